/** Flows past one machine over NATS: the probe's PacketInfo formats, a NATS packet source, publishing from sensors, partitioned subjects and aggregator state merged across engines. */
@SuppressWarnings("requires-automatic") // jnats publishes no module descriptor
module io.flowtrace.cluster {
    requires transitive io.flowtrace.core;
    requires io.flowtrace.sketch;
    requires org.slf4j;
    requires io.nats.jnats;
    requires io.flowtrace.sinks; // the nats sink's connection settings

    exports io.flowtrace.cluster;

    provides io.flowtrace.core.spi.PacketSourceProvider with io.flowtrace.cluster.NatsPacketSourceProvider;
}
