/**
 * An example of a user's aggregator plugin, {@code protocol-mix}: packets, bytes and flows per IP protocol. Copy it
 * to start your own. Instances run on worker threads, one per worker, and allocate nothing per packet.
 */
package io.flowtrace.examples.plugin;
