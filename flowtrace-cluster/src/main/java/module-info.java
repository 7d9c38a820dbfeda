/** Flows past one machine over NATS: the probe's PacketInfo formats, a NATS packet source, publishing from sensors, partitioned subjects and aggregator state merged across engines. */
@SuppressWarnings("requires-automatic") // jnats publishes no module descriptor
module io.flowtrace.cluster {
    requires transitive io.flowtrace.core;
    requires io.flowtrace.sketch;
    requires org.slf4j;
    requires io.nats.jnats;

    exports io.flowtrace.cluster;
}
