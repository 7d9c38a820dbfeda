/**
 * The built-in notifiers: {@code webhook} (each alert POSTed as a JSON object, retried as the {@code http} sink
 * retries), {@code nats} (each alert published to a subject, core NATS or JetStream) and {@code log} (each alert as a
 * JSON line in the log). Only the providers are public; each notifier is called from the alerter's delivery thread
 * for it, one call at a time.
 */
package io.flowtrace.alert.notifiers;
