package io.flowtrace.sinks.internal;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.internal.SensorEventEncoder;
import io.flowtrace.core.spi.PluginConfig;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A built-in sink's {@code event-format} option: {@code flowtrace} (the default, {@link io.flowtrace.core.EventJson}'s
 * form) or {@code sensor} (the Go sensor's own fourteen fields, {@link SensorEventEncoder}). The sensor's form has
 * TCP and UDP only: other events are not written but counted under {@link #SKIPPED}, which the pipeline leaves out
 * of {@code delivered}. {@link #admits} is called on the sink's delivery thread; {@link #skipped} from any thread.
 */
public final class EventFormat {
    /** The option's key. */
    public static final String KEY = "event-format";
    /** The sink counter of events the format has no form for. */
    public static final String SKIPPED = "skipped_by_format";

    private final boolean sensor;
    private final AtomicLong skipped = new AtomicLong();

    private EventFormat(boolean sensor) {
        this.sensor = sensor;
    }

    /** The default format. */
    public static EventFormat flowtrace() {
        return new EventFormat(false);
    }

    /** Reads {@value #KEY} from {@code config} (an error is added there). */
    public static EventFormat of(PluginConfig config) {
        return new EventFormat("sensor".equals(config.getChoice(KEY, "flowtrace", "flowtrace", "sensor")));
    }

    /** Whether events are written in the sensor's form. */
    public boolean sensor() {
        return sensor;
    }

    /** Whether {@code r} has a form in this format; when not, it is counted as skipped. */
    public boolean admits(FlowEvent r) {
        if (!sensor || SensorEventEncoder.emits(r)) {
            return true;
        }
        skipped.incrementAndGet();
        return false;
    }

    /** Events skipped so far. */
    public long skipped() {
        return skipped.get();
    }

    /** {@code counters} with {@link #SKIPPED} added when some were skipped. */
    public Map<String, Long> addTo(Map<String, Long> counters) {
        long n = skipped.get();
        if (n == 0) {
            return counters;
        }
        Map<String, Long> m = new java.util.LinkedHashMap<>(counters);
        m.put(SKIPPED, n);
        return m;
    }
}
