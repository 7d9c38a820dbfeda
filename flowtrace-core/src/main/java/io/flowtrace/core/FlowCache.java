package io.flowtrace.core;

import io.flowtrace.core.spi.PacketView;

import java.util.EnumMap;
import java.util.Map;

/**
 * The flow state of one worker: it counts packets into open flows and ends each flow with a {@link FlowEvent},
 * handed to {@link Context#emit}. The default is flowtrace's compact single-writer table; give your own through
 * {@link FlowTrace.Builder#flowCache(Factory)}.
 *
 * <p><b>Single writer.</b> The pipeline creates one instance per worker and calls {@link #update}, {@link #advance}
 * and {@link #flush} on that worker's thread only, one call at a time, never concurrently; an implementation needs no
 * locks or volatile fields for them. Packets of one conversation (both directions) always reach the same worker.
 * {@link #size()}, {@link #capacity()} and {@link #counters()} are also called from other threads (for
 * {@link FlowTrace#stats()}) while the worker runs: they must not throw and must not walk a structure the worker is
 * changing; plain {@code int} and {@code long} fields are enough. Such a reading is approximate: each figure is one
 * the worker wrote a little earlier, and figures may come from different moments. Once the worker has finished
 * ({@link FlowTrace#run()} has returned) they are exact.
 *
 * <p><b>The packet path.</b> {@link #update} runs for every packet: it must not block or throw, and must not
 * allocate per packet, since garbage per packet is what holds a JVM meter below line rate (the built-in table
 * allocates one {@link FlowEvent} per finished flow and nothing else; a key object per packet, as in a plain
 * {@code HashMap} cache, is correct but slow). The cache is part of metering, not an isolated plugin: an exception from
 * it stops the run ({@link FlowTrace#run()} throws). Time is packet time: a packet's own timestamp moves the cache's
 * clock, and {@link #advance} moves it when packets are sparse; the clock never goes back.
 *
 * @since 0.1
 */
public interface FlowCache {

    /**
     * Counts one packet into its flow, starting one if none is open; may end flows (through {@link Context#emit}),
     * for instance the one this packet's arrival finds past its timeout. The view is valid only during this call.
     *
     * @param packet the packet
     */
    void update(PacketView packet);

    /**
     * Counts {@code packets[from..to)} in order, as {@link #update(PacketView)} on each would; the views are valid
     * only during this call. The pipeline calls this one. Override it to process the packets together (the default
     * table loads the state of several flows at once so that their cache misses overlap).
     *
     * @param packets the batch's views
     * @param from the first to count
     * @param to one past the last to count
     */
    default void update(PacketView[] packets, int from, int to) {
        for (int i = from; i < to; i++) {
            update(packets[i]);
        }
    }

    /**
     * Moves the clock to {@code nowNanos} (epoch nanoseconds; an earlier time than the clock's is ignored) and ends
     * the flows whose idle or active timeout (or TCP linger) has passed by then. Called after each batch of packets
     * and on the heartbeat of a live source.
     *
     * @param nowNanos the time, epoch nanoseconds
     */
    void advance(long nowNanos);

    /**
     * Ends every open flow, with {@code reason} ({@link EndReason#END_OF_CAPTURE}, {@link EndReason#SHUTDOWN}) or
     * with the reason it already had (a timeout that has passed, a TCP close), and leaves the cache empty.
     *
     * @param reason the end reason of flows that have none of their own yet
     */
    void flush(EndReason reason);

    /** {@return flows open now} */
    int size();

    /** {@return flows the cache holds room for now (at most {@link Context#maxFlows()} once it has grown)} */
    int capacity();

    /** {@return the counters so far (see the class comment for reading them from another thread)} */
    Counters counters();

    /** Creates the cache of one worker; called once per worker, when the meter is built. */
    @FunctionalInterface
    interface Factory {
        /**
         * {@return a worker's cache}
         *
         * @param context the worker's settings and where its finished flows go
         */
        FlowCache create(Context context);
    }

    /**
     * What a worker's cache is given: its settings, where finished flows go, and what the built-in cache adds to an
     * event beyond the packets, so a custom cache makes the same events. Implemented by the pipeline.
     */
    interface Context {

        /** {@return the flow settings: timeouts, TCP close, bidirectional or not, VLAN in the key, the global bound} */
        FlowOptions options();

        /** {@return this worker's index, {@code 0 .. workers - 1}} */
        int worker();

        /**
         * Flows this cache may hold at most: {@link FlowOptions#maxFlows()} divided among the workers. A full cache
         * ends a flow to make room ({@link EndReason#EVICTED}) rather than grow past it.
         *
         * @return the most flows
         */
        int maxFlows();

        /** {@return flows to make room for at the start (from the expected flow count), at most {@link #maxFlows()}} */
        int initialCapacity();

        /**
         * Hands a finished flow on: the worker's aggregators see it, then the sinks. Call it on the worker's thread,
         * from within {@link FlowCache#update}, {@link FlowCache#advance} or {@link FlowCache#flush}.
         *
         * @param event the finished flow
         */
        void emit(FlowEvent event);

        /**
         * {@return the name of the capture interface with this index, or null}
         *
         * @param interfaceIndex the index a packet carries ({@link PacketView#interfaceIndex()})
         */
        String interfaceName(int interfaceIndex);

        /** {@return the host name events carry, or null when not set} */
        String hostname();

        /**
         * {@return the flow's direction relative to the host's own addresses}
         *
         * @param key the flow's key
         */
        Direction direction(FlowKey key);
    }

    /**
     * A cache's counters, summed over workers with {@link #plus}. Immutable.
     *
     * @param created       flows started (a conversation that goes on after its active timeout is still one flow)
     * @param idleTimeout   events ended by {@link EndReason#IDLE_TIMEOUT}
     * @param activeTimeout events ended by {@link EndReason#ACTIVE_TIMEOUT}
     * @param tcpFin        events ended by {@link EndReason#TCP_FIN}
     * @param tcpRst        events ended by {@link EndReason#TCP_RST}
     * @param evicted       events ended by {@link EndReason#EVICTED}: flows ended early to make room
     * @param endOfCapture  events ended by {@link EndReason#END_OF_CAPTURE}
     * @param shutdown      events ended by {@link EndReason#SHUTDOWN}
     */
    record Counters(long created, long idleTimeout, long activeTimeout, long tcpFin, long tcpRst, long evicted,
                    long endOfCapture, long shutdown) {

        /** All zero. */
        public static final Counters ZERO = new Counters(0, 0, 0, 0, 0, 0, 0, 0);

        /**
         * {@return these counters plus {@code other}'s}
         *
         * @param other the counters to add
         */
        public Counters plus(Counters other) {
            return new Counters(created + other.created, idleTimeout + other.idleTimeout,
                    activeTimeout + other.activeTimeout, tcpFin + other.tcpFin, tcpRst + other.tcpRst,
                    evicted + other.evicted, endOfCapture + other.endOfCapture, shutdown + other.shutdown);
        }

        /**
         * {@return events ended by {@code reason}}
         *
         * @param reason the end reason
         */
        public long ended(EndReason reason) {
            switch (reason) {
                case IDLE_TIMEOUT: return idleTimeout;
                case ACTIVE_TIMEOUT: return activeTimeout;
                case TCP_FIN: return tcpFin;
                case TCP_RST: return tcpRst;
                case EVICTED: return evicted;
                case END_OF_CAPTURE: return endOfCapture;
                case SHUTDOWN: return shutdown;
                default: throw new IllegalArgumentException("reason: " + reason);
            }
        }

        /** {@return events of every reason} */
        public long events() {
            return idleTimeout + activeTimeout + tcpFin + tcpRst + evicted + endOfCapture + shutdown;
        }

        /** {@return events by end reason, every reason present, in {@link EndReason} order} */
        public Map<EndReason, Long> endReasons() {
            Map<EndReason, Long> m = new EnumMap<>(EndReason.class);
            for (EndReason r : EndReason.values()) {
                m.put(r, ended(r));
            }
            return m;
        }
    }
}
