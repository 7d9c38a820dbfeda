/** Scale-out over NATS: the probe PacketInfo codecs (Thrift binary, Protobuf) and a batched form, a NATS packet source (queue group, partitioned subjects, JetStream), publishing from a sensor, and aggregator state merged across engines. */
package io.flowtrace.cluster;
