/**
 * The {@code ipfix} sink: flow events as IPFIX (RFC 7011) or NetFlow v9 (RFC 3954) records, for the flow collectors
 * operators already run (nfcapd, goflow2, ...). {@link io.flowtrace.sinks.ipfix.IpfixSink} turns each event into
 * one record per direction (or one RFC 5103 biflow record); {@link io.flowtrace.sinks.ipfix.MessageWriter} packs records and templates into one
 * reused buffer the size of a message; {@link io.flowtrace.sinks.ipfix.ExportFormat} holds what differs between the
 * two protocols (header, set ids, time fields, sequence numbers); a {@link io.flowtrace.sinks.ipfix.Transport}
 * sends finished messages over UDP or TCP. Everything runs on the sink's delivery thread, one call at a time;
 * counters may be read from any thread. An event is encoded straight into the message buffer, without allocation.
 */
package io.flowtrace.sinks.ipfix;
