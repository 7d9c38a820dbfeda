package io.flowtrace.examples;

import io.flowtrace.core.settings.Setting;
import io.flowtrace.core.settings.ValueType;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The commands' own settings, declared as the flow settings are ({@link io.flowtrace.core.settings.FlowSettings}):
 * the command line, the agent's environment variables and YAML keys, usage text and shell completion come from these
 * descriptors. Stateless.
 */
final class CommandSettings {
    // The sensor read AGENT_INTERFACE and AGENT_ENDPOINT_URL and declared the others; the defaults follow it: one
    // JSON object per POST (batch size 1), as its backend expects.
    static final Setting<String> INTERFACE = Setting.of("interface", ValueType.text("IF")).defaultValue("eth0")
            .env("AGENT_INTERFACE").help("the interface to capture").build();
    static final Setting<String> BPF_FILTER = Setting.of("bpf-filter", ValueType.text("EXPR")).defaultValue("")
            .defaultText("none").env("AGENT_BPF_FILTER").help("only packets this BPF filter passes").build();
    static final Setting<Integer> SNAP_LEN = Setting.of("snap-len", ValueType.integer(64, 262_144))
            .defaultValue(1600).env("AGENT_SNAP_LEN").help("bytes of each packet captured").build();
    static final Setting<Boolean> PROMISCUOUS = Setting.of("promiscuous", ValueType.onOff()).defaultValue(true)
            .env("AGENT_PROMISCUOUS").help("capture traffic not addressed to this host too").build();
    static final Setting<String> CAPTURE_BACKEND = Setting.of("capture-backend",
            ValueType.choice("auto", "af-packet", "pcap-live")).defaultValue("auto").env("AGENT_CAPTURE_BACKEND")
            .help("how the interface is read: af-packet (Linux: memory-mapped rings, a socket per worker), pcap-live "
                    + "(libpcap), or auto: af-packet where its socket opens, else pcap-live").build();
    static final Setting<String> RING_SIZE = Setting.of("ring-size", ValueType.text("SIZE")).defaultValue("")
            .defaultText("8MiB af-packet, 32MiB pcap-live").env("AGENT_RING_SIZE")
            .help("kernel capture buffer, e.g. 8MiB: af-packet's ring of each socket, pcap-live's buffer").build();
    static final Setting<Duration> BLOCK_TIMEOUT = Setting.of("block-timeout", ValueType.duration())
            .defaultValue(Duration.ZERO).defaultText("100ms af-packet, 250ms pcap-live").env("AGENT_BLOCK_TIMEOUT")
            .help("the longest a packet waits in the kernel's buffer: af-packet's block timeout, pcap-live's read "
                    + "timeout").build();
    static final Setting<String> ENDPOINT_URL = Setting.of("endpoint-url", ValueType.text("URL"))
            .defaultValue("http://127.0.0.1:8000/ingest").env("AGENT_ENDPOINT_URL")
            .help("where flow events are POSTed").build();
    static final Setting<Integer> BATCH_SIZE = Setting.of("batch-size", ValueType.integer(1, 1_000_000))
            .defaultValue(1).env("AGENT_BATCH_SIZE")
            .help("events per POST: 1, one JSON object per POST; more, a JSON array").build();
    static final Setting<Duration> SEND_INTERVAL = Setting.of("send-interval", ValueType.duration())
            .defaultValue(Duration.ofSeconds(1)).env("AGENT_SEND_INTERVAL")
            .help("the longest an event waits for its batch").build();
    static final Setting<String> HOSTNAME = Setting.of("hostname", ValueType.text("NAME")).defaultValue("")
            .defaultText("this host's name").env("AGENT_HOSTNAME").help("the host name put in every event").build();
    static final Setting<String> USER = Setting.of("user", ValueType.text("NAME")).defaultValue("")
            .defaultText("none").env("AGENT_USER")
            .help("once the interface is open, run as this user, its groups and no capabilities (as tcpdump -Z)")
            .build();
    static final Setting<String> EVENT_FORMAT = Setting.of("event-format", ValueType.choice("flowtrace", "sensor"))
            .defaultValue("flowtrace").env("AGENT_EVENT_FORMAT")
            .help("the events' JSON: flowtrace (every field), or sensor: the Go sensor's fourteen fields exactly "
                    + "(ports as strings, TCP and UDP only); for the built-in sinks that set no event-format")
            .build();
    static final Setting<String> METRICS_LISTEN = Setting.of("metrics-listen", new ListenAddress()).defaultValue("")
            .defaultText("off").env("AGENT_METRICS_LISTEN")
            .help("serve /metrics (Prometheus text format) and /healthz on HOST:PORT (:PORT for every interface)")
            .build();
    static final Setting<Duration> STATS_INTERVAL = Setting.of("stats-interval", ValueType.duration())
            .defaultValue(Duration.ZERO).defaultText("0, off").env("AGENT_STATS_INTERVAL")
            .help("print a line of counters on stderr this often; also the window /healthz judges (10s when 0)")
            .build();
    static final Setting<Double> MAX_DROP_RATE = Setting.of("max-drop-rate", new Fraction()).defaultValue(0.01)
            .env("AGENT_MAX_DROP_RATE")
            .help("/healthz is unhealthy when the kernel and interface drop more than this fraction of packets")
            .build();
    static final Setting<String> TEE = Setting.of("tee", ValueType.text("PATH")).defaultValue("")
            .defaultText("none").env("AGENT_TEE")
            .help("also keep every packet read in PATH (pcap, or as --tee-format says), with the capture's link "
                    + "type, snap length and timestamp precision; written by a thread of its own: a live capture "
                    + "never waits for it (frames it cannot queue are dropped and counted), a file is read no "
                    + "faster than it writes").build();
    static final Setting<String> TEE_FORMAT = Setting.of("tee-format",
            ValueType.choice("auto", "pcap", "pcapng", "text")).defaultValue("auto").env("AGENT_TEE_FORMAT")
            .help("auto: by the extension (.pcapng pcapng, .txt text, else pcap); pcapng keeps several link types "
                    + "and interfaces; text: one line per IP packet in the analysis engine's form").build();
    static final Setting<String> TEE_ROTATE_SIZE = Setting.of("tee-rotate-size", new Size()).defaultValue("0")
            .defaultText("0, never").env("AGENT_TEE_ROTATE_SIZE")
            .help("start a new tee file before one would pass this size, e.g. 100MiB").build();
    static final Setting<Duration> TEE_ROTATE_INTERVAL = Setting.of("tee-rotate-interval", ValueType.duration())
            .defaultValue(Duration.ZERO).defaultText("0, never").env("AGENT_TEE_ROTATE_INTERVAL")
            .help("complete a tee file once it has been open this long, e.g. 1h").build();
    static final Setting<Integer> TEE_KEEP = Setting.of("tee-keep", ValueType.integer(0, 1_000_000))
            .defaultValue(0).defaultText("0, all").env("AGENT_TEE_KEEP")
            .help("with rotation, keep at most N tee files: the oldest is removed (counted)").build();
    /** The packet tee. */
    static final List<Setting<?>> TEE_SETTINGS = List.of(TEE, TEE_FORMAT, TEE_ROTATE_SIZE, TEE_ROTATE_INTERVAL,
            TEE_KEEP);

    /** Watching a run: {@code /metrics}, {@code /healthz}, the stats line. */
    static final List<Setting<?>> WATCH = List.of(METRICS_LISTEN, STATS_INTERVAL, MAX_DROP_RATE);
    /** A live interface's settings: the agent's, and the engine's when it captures. */
    static final List<Setting<?>> LIVE = List.of(INTERFACE, BPF_FILTER, SNAP_LEN, PROMISCUOUS, CAPTURE_BACKEND,
            RING_SIZE, BLOCK_TIMEOUT);
    static final List<Setting<?>> AGENT = concat(LIVE, List.of(ENDPOINT_URL,
            BATCH_SIZE, SEND_INTERVAL, HOSTNAME, EVENT_FORMAT, USER, METRICS_LISTEN, STATS_INTERVAL, MAX_DROP_RATE,
            TEE, TEE_FORMAT, TEE_ROTATE_SIZE, TEE_ROTATE_INTERVAL, TEE_KEEP));

    static final Setting<String> CONFIG = Setting.of("config", ValueType.text("FILE")).commandLineOnly()
            .help("a YAML file: flowtrace's (flow:, sinks:, aggregators:, ...) or the analysis engine's "
                    + "config.yaml (aggregator: tasks); ${VAR} and ${VAR:-default} come from the environment "
                    + "and a .env file beside it").build();
    static final Setting<Boolean> QUIET = Setting.of("quiet", ValueType.onOff()).flag().commandLineOnly()
            .help("no summary on stderr (nor the agent's start line)").build();
    static final Setting<String> OUT = Setting.of("out", ValueType.text("FILE")).commandLineOnly()
            .help("write flow events to FILE (short for --sink file:path=FILE)").build();
    static final Setting<String> SINK = Setting.of("sink", ValueType.text("NAME:k=v,...")).repeatable()
            .commandLineOnly().help("send flow events to a sink: file, stdout, http, nats, ...; any sink also takes "
                    + "queue=N and on_full=block|drop (repeatable)").build();
    static final Setting<String> AGGREGATOR = Setting.of("aggregator", ValueType.text("NAME:k=v,..."))
            .repeatable().commandLineOnly()
            .help("run an aggregator task: exact, count-min, super-spread, hll (repeatable)").build();
    static final List<Setting<?>> OUTPUT = List.of(CONFIG, OUT, SINK, AGGREGATOR);

    static final Setting<String> LOG_LEVEL = Setting.of("log-level", ValueType.choice("error", "warn", "info", "debug"))
            .defaultValue("warn").help("what is logged to stderr").build();
    static final Setting<String> FORMAT = Setting.of("format", ValueType.choice("json", "table")).defaultValue("json")
            .commandLineOnly().help("json: one JSON object per row; table: aligned columns for people").build();

    static final Setting<Integer> TOP_TALKERS = Setting.of("top-talkers", ValueType.integer(1, 10_000))
            .commandLineOnly().help("after the summary, the N addresses with the most bytes (ranked among the "
                    + "first 1,000,000 addresses; later ones counted)").build();
    static final Setting<Boolean> NO_PROGRESS = Setting.of("no-progress", ValueType.onOff()).flag()
            .commandLineOnly().help("no progress bar (shown only when stderr is a terminal)").build();

    static final Setting<String> KEY = Setting.of("key", ValueType.text("FIELDS")).commandLineOnly()
            .help("comma-separated: src_ip, dst_ip, src_port, dst_port, protocol").build();
    static final Setting<String> METRIC = Setting.of("metric", ValueType.text("M")).defaultValue("packets")
            .commandLineOnly().help("packets, bytes, flows, or spread:FIELD (distinct FIELD values per key, e.g. "
                    + "spread:dst_ip)").build();
    static final Setting<Integer> LIMIT = Setting.of("limit", ValueType.integer(1, 1 << 24)).defaultValue(10)
            .commandLineOnly().help("rows").build();
    static final Setting<Boolean> EXACT = Setting.of("exact", ValueType.onOff()).flag().commandLineOnly()
            .help("exact counts (the default)").build();
    static final Setting<Integer> MAX_KEYS = Setting.of("max-keys", ValueType.integer(1, Integer.MAX_VALUE))
            .defaultText("what fits in a 16th of the heap, at most 1000000").commandLineOnly()
            .help("keys --exact tracks at most; the traffic of other keys is counted, reported and left out of "
                    + "the rows").build();
    static final Setting<String> SKETCH = Setting.of("sketch", ValueType.choice("count-min", "super-spread"))
            .commandLineOnly().help("count-min (packets, bytes, flows) or super-spread (spread:FIELD)").build();
    static final Setting<String> MEMORY = Setting.of("memory", ValueType.text("SIZE"))
            .defaultText("count-min 256KiB, super-spread 1MiB").commandLineOnly()
            .help("sketch memory, e.g. 256KiB, 1MiB").build();
    static final List<Setting<?>> TOP = List.of(KEY, METRIC, LIMIT, EXACT, MAX_KEYS, SKETCH, MEMORY, FORMAT,
            BPF_FILTER, QUIET, LOG_LEVEL);

    static final Setting<String> ENGINE_CONFIG = Setting.of("config", ValueType.text("FILE")).commandLineOnly()
            .help("the analysis engine's config.yaml: its aggregator tasks and writers, api.http_listen_addr; "
                    + "${VAR} and ${VAR:-default} come from the environment and a .env file beside it").build();
    static final Setting<String> CHECK_CONFIG = Setting.of("check-config", ValueType.text("FILE")).commandLineOnly()
            .help("load and check FILE, say what is wrong or inactive, and exit 0 (good) or 2, starting nothing")
            .build();
    static final Setting<String> CAPTURE = Setting.of("capture", ValueType.text("FILE")).repeatable()
            .commandLineOnly().help("meter a capture file (pcap, pcapng, .gz), as the engine's pcap-analyzer; "
                    + "repeatable: read as one capture in time order").build();
    static final Setting<String> LISTEN = Setting.of("listen", new ListenAddress()).commandLineOnly()
            .defaultText("api.http_listen_addr")
            .help("serve the query API (HTTP/JSON, Grafana's JSON datasource) on HOST:PORT; with --capture the "
                    + "answers stay served after the capture is metered, until SIGTERM or SIGINT").build();
    static final List<Setting<?>> ENGINE = concat(List.of(ENGINE_CONFIG, CHECK_CONFIG, CAPTURE), LIVE,
            List.of(LISTEN, QUIET, LOG_LEVEL), WATCH);

    static final Setting<String> ADDR = Setting.of("addr", ValueType.text("HOST:PORT")).defaultValue("127.0.0.1:8080")
            .commandLineOnly().help("the engine's query API (http:// is added when no scheme is given)").build();
    static final Setting<String> MODE = Setting.of("mode",
            ValueType.choice("aggregate", "trace", "heavyhitters", "superspreader")).defaultValue("aggregate")
            .commandLineOnly().help("aggregate: totals per exact task; trace: one key's life; heavyhitters: a "
                    + "sketch task's largest keys by --type; superspreader: heavyhitters by spread (type 2)")
            .build();
    static final Setting<String> TASK = Setting.of("task", ValueType.text("NAME")).defaultValue("")
            .defaultText("every exact task (aggregate)").commandLineOnly().help("the task asked").build();
    static final Setting<String> QUERY_KEY = Setting.of("key", ValueType.text("F=V,...")).defaultValue("")
            .defaultText("none").commandLineOnly()
            .help("key fields: SrcIP, DstIP, SrcPort, DstPort, Protocol, e.g. \"SrcIP=10.0.0.1,DstPort=443\" "
                    + "(aggregate: filters; trace: the key)").build();
    static final Setting<Integer> TYPE = Setting.of("type", ValueType.integer(0, 2)).defaultValue(0)
            .commandLineOnly().help("heavy hitters by 0 packets, 1 bytes, 2 spread").build();
    static final Setting<Integer> QUERY_LIMIT = Setting.of("limit", ValueType.integer(0, 100_000)).defaultValue(0)
            .defaultText("0: the server's default, 10").commandLineOnly().help("heavy hitters at most").build();
    static final Setting<String> END = Setting.of("end", ValueType.text("TIME")).defaultValue("")
            .defaultText("the latest snapshot").commandLineOnly()
            .help("answer from the latest snapshot at or before TIME (RFC 3339, e.g. 2026-01-02T03:04:05Z)").build();
    static final Setting<String> QUERY_FORMAT = Setting.of("format", ValueType.choice("json", "table"))
            .defaultValue("table").commandLineOnly()
            .help("table: aligned columns for people; json: the server's answer").build();
    static final List<Setting<?>> QUERY = List.of(ADDR, MODE, TASK, QUERY_KEY, TYPE, QUERY_LIMIT, END, QUERY_FORMAT,
            LOG_LEVEL);

    /** The model's API key for {@code ask}: from the environment only, never a flag (a flag shows in {@code ps}). */
    static final String AI_KEY_ENV = "FLOWTRACE_AI_API_KEY";
    static final Setting<String> ASK_CONFIG = Setting.of("config", ValueType.text("FILE")).commandLineOnly()
            .help("a config.yaml whose ai block (provider, api_key, model, base_url) names the model, e.g. the "
                    + "engine's; ${VAR} and ${VAR:-default} come from the environment and a .env file beside it")
            .build();
    static final Setting<String> BASE_URL = Setting.of("base-url", ValueType.text("URL")).defaultValue("")
            .defaultText("ai.base_url, else https://api.openai.com/v1/").commandLineOnly()
            .help("the OpenAI-compatible API the model is asked at").build();
    static final Setting<String> MODEL = Setting.of("model", ValueType.text("NAME")).defaultValue("")
            .defaultText("ai.model").commandLineOnly().help("the model asked").build();
    static final Setting<Integer> ASK_LIMIT = Setting.of("limit", ValueType.integer(1, 1000)).defaultValue(10)
            .commandLineOnly().help("heavy hitters sent per task and type").build();
    static final List<Setting<?>> ASK = List.of(ADDR, ASK_CONFIG, BASE_URL, MODEL, ASK_LIMIT, LOG_LEVEL);

    static final Setting<String> HTML = Setting.of("html", ValueType.text("FILE")).commandLineOnly()
            .help("write the report to FILE: one HTML page with its chart library and data inside, to open offline")
            .build();
    static final Setting<Duration> TIME_STEP = Setting.of("step", ValueType.duration())
            .defaultValue(Duration.ofSeconds(1)).commandLineOnly()
            .help("traffic over time: packets and bytes per D of packet time").build();
    static final Setting<Integer> TALKERS = Setting.of("limit", ValueType.integer(1, 10_000)).defaultValue(10)
            .commandLineOnly().help("top talkers shown (source and destination addresses by bytes)").build();
    static final List<Setting<?>> REPORT = List.of(HTML, TIME_STEP, TALKERS, BPF_FILTER, QUIET, LOG_LEVEL);

    static final Setting<String> NATS = Setting.of("nats", ValueType.text("URL")).defaultValue("")
            .defaultText("the config file's probe.nats_url, else nats://127.0.0.1:4222").commandLineOnly()
            .help("the NATS server(s) packets are published to (nats:// or tls://; user:password@ in it is used, "
                    + "never shown)").build();
    static final Setting<String> SUBJECT = Setting.of("subject", ValueType.text("SUBJECT")).defaultValue("")
            .defaultText("the config file's probe.subject, else gons.packets.raw").commandLineOnly()
            .help("the subject packets are published on").build();
    static final Setting<String> PACKET_FORMAT = Setting.of("format", ValueType.choice("thrift", "protobuf", "batch"))
            .defaultValue("thrift").defaultText("the config file's probe.format, else thrift").commandLineOnly()
            .help("thrift: the probe's PacketInfo (Thrift binary), one per message; protobuf: its older Protobuf "
                    + "PacketInfo; batch: flowtrace's, many packets per message").build();
    static final Setting<String> PROBE_INTERFACE = Setting.of("interface", ValueType.text("IF")).commandLineOnly()
            .help("capture this interface (pcap-live) instead of reading CAPTURE; until SIGTERM or SIGINT").build();
    static final Setting<String> PROBE_CONFIG = Setting.of("config", ValueType.text("FILE")).commandLineOnly()
            .help("the analysis engine's config.yaml: its probe block (nats_url, subject, and flowtrace's format); "
                    + "${VAR} and ${VAR:-default} come from the environment and a .env file beside it").build();
    static final Setting<Integer> PARTITIONS = Setting.of("partitions", ValueType.integer(1, 4096)).defaultValue(1)
            .defaultText("the config file's probe.partitions, else 1").commandLineOnly()
            .help("above 1: publish each packet on SUBJECT.<n>, n from the symmetric flow hash keyed by the config "
                    + "file's cluster.seed, so that each engine owning a partition sees whole flows").build();
    static final List<Setting<?>> PROBE = List.of(PROBE_INTERFACE, NATS, SUBJECT, PACKET_FORMAT, PARTITIONS,
            PROBE_CONFIG, BPF_FILTER, QUIET, LOG_LEVEL);

    private CommandSettings() {
    }

    /** {@code HOST:PORT}, {@code [V6]:PORT} or {@code :PORT}; empty for off. */
    private static final class ListenAddress extends ValueType<String> {
        ListenAddress() {
            super(String.class, "HOST:PORT", "HOST:PORT, e.g. 127.0.0.1:9464", List.of());
        }

        @Override
        protected String read(String text) {
            if (!text.isBlank()) {
                io.flowtrace.examples.metrics.Monitor.parseListen(text);
            }
            return text.trim();
        }

        @Override
        protected String write(String value) {
            return value;
        }
    }

    /** A size in bytes: {@code 4096}, {@code 100MiB}, {@code 1GB}; kept as written. */
    private static final class Size extends ValueType<String> {
        Size() {
            super(String.class, "SIZE", "a size, e.g. 100MiB", List.of());
        }

        @Override
        protected String read(String text) {
            io.flowtrace.core.spi.Sizes.parse(text.trim());
            return text.trim();
        }

        @Override
        protected String write(String value) {
            return value;
        }
    }

    /** A fraction from 0 to 1. */
    private static final class Fraction extends ValueType<Double> {
        Fraction() {
            super(double.class, "F", "a fraction 0..1, e.g. 0.01", List.of());
        }

        @Override
        protected Double read(String text) {
            double d;
            try {
                d = Double.parseDouble(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(text.trim() + " (expected: a fraction 0..1, e.g. 0.01)");
            }
            if (!(d >= 0 && d <= 1)) {
                throw new IllegalArgumentException(text.trim() + " (expected: 0..1)");
            }
            return d;
        }

        @Override
        protected String write(Double value) {
            return String.valueOf(value);
        }
    }

    /** The YAML keys of {@code settings} that a file may hold. */
    static Set<String> yamlKeys(List<Setting<?>> settings) {
        Set<String> keys = new LinkedHashSet<>();
        for (Setting<?> s : settings) {
            if (s.inYaml()) {
                keys.add(s.yamlKey());
            }
        }
        return keys;
    }

    @SafeVarargs
    private static List<Setting<?>> concat(List<Setting<?>>... parts) {
        List<Setting<?>> out = new java.util.ArrayList<>();
        for (List<Setting<?>> p : parts) {
            out.addAll(p);
        }
        return List.copyOf(out);
    }
}
