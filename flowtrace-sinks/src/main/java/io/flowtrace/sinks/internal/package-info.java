/**
 * Encoding shared by the sinks: records and snapshots as JSON through core's encoders (the form of
 * {@link io.flowtrace.core.EventJson}), and records as CSV, into a reused {@link io.flowtrace.sinks.internal.ByteBuf}. Each encoder belongs to one sink and
 * is used from that sink's delivery thread only; once buffers have grown, encoding a record allocates nothing but
 * the text of its two floating-point fields. Also the redaction of URLs and remote text for logs ({@code Redact}) and
 * URL user information ({@code UserInfo}). Exported only to the examples (the agent's start line).
 */
package io.flowtrace.sinks.internal;
