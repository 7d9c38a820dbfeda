package io.flowtrace.sinks.ipfix;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowKey;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small IPFIX and NetFlow v9 collector's parser for tests: learns templates, decodes data records with them
 * (a data set whose template is unknown is counted, as a collector would drop it), and checks each message's
 * length, set lengths and sequence number as the RFC defines it. Enterprise-specific field specifiers (RFC 7011
 * 3.2: the element id's top bit set, a 4-byte enterprise number after the length) are read; RFC 5103's reverse
 * elements (enterprise 29305) are keyed {@link #reverse(int)}, any other enterprise is a problem. Thread-safe (collectors call it from their
 * receive threads).
 */
final class ExportReader {
    /** One decoded data record: each element's raw bytes, and the header clock it came with. */
    record DataRecord(int version, long domainId, int templateId, Map<Integer, byte[]> fields, long unixSeconds,
                      long uptimeMillis) {
        long num(int element) {
            byte[] v = fields.get(element);
            if (v == null) {
                throw new AssertionError("record has no element " + element + ": " + fields.keySet());
            }
            long n = 0;
            for (byte x : v) {
                n = (n << 8) | (x & 0xff);
            }
            return n;
        }

        long startMillis() {
            return version == 10 ? num(152) : unixSeconds * 1000 - uptimeMillis + num(22);
        }

        long endMillis() {
            return version == 10 ? num(153) : unixSeconds * 1000 - uptimeMillis + num(21);
        }

        FlowKey key() {
            if (fields.containsKey(8)) {
                return new FlowKey(4, 0, num(8), 0, num(12), (int) num(7), (int) num(11), (int) num(4),
                        (int) num(58));
            }
            ByteBuffer s = ByteBuffer.wrap(fields.get(27));
            ByteBuffer d = ByteBuffer.wrap(fields.get(28));
            return new FlowKey(6, s.getLong(), s.getLong(), d.getLong(), d.getLong(), (int) num(7), (int) num(11),
                    (int) num(4), (int) num(58));
        }

        /** The id of the event this record came from, when it is the forward record (start time to the ms). */
        String flowId() {
            return FlowEvent.flowIdOf(key(), startMillis() * 1_000_000L);
        }
    }

    /** RFC 5103's private enterprise number for reverse information elements. */
    static final long REVERSE_PEN = 29305;

    /** The key a reverse element's value has in {@link DataRecord#fields()}: its forward element's number + 2^16. */
    static int reverse(int element) {
        return 0x10000 | element;
    }

    private final Map<String, int[][]> templates = new HashMap<>();
    private final List<DataRecord> records = new ArrayList<>();
    private final List<Integer> messageLengths = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private final Map<Long, Long> nextSequence = new LinkedHashMap<>();
    private int templateRecords;
    private int messagesWithTemplates;
    private int unknownSets;

    synchronized void read(byte[] buf, int off, int len) {
        try {
            parse(buf, off, len);
        } catch (RuntimeException e) {
            problems.add("message of " + len + " bytes does not parse: " + e);
        }
    }

    private void parse(byte[] buf, int off, int len) {
        ByteBuffer b = ByteBuffer.wrap(buf, off, len).slice();
        int version = b.getShort(0) & 0xffff;
        messageLengths.add(len);
        int headerLength;
        long domain;
        long sequence = b.getInt(version == 10 ? 8 : 12) & 0xffffffffL;
        long unixSeconds;
        long uptime = 0;
        if (version == 10) {
            headerLength = 16;
            if ((b.getShort(2) & 0xffff) != len) {
                problems.add("message length field " + (b.getShort(2) & 0xffff) + ", datagram " + len);
            }
            unixSeconds = b.getInt(4) & 0xffffffffL;
            domain = b.getInt(12) & 0xffffffffL;
        } else if (version == 9) {
            headerLength = 20;
            uptime = b.getInt(4) & 0xffffffffL;
            unixSeconds = b.getInt(8) & 0xffffffffL;
            domain = b.getInt(16) & 0xffffffffL;
        } else {
            problems.add("version " + version);
            return;
        }
        Long expected = nextSequence.get(domain);
        if (expected != null && expected != sequence) {
            problems.add("sequence " + sequence + " (expected: " + expected + ")");
        }
        int data = 0;
        int pos = headerLength;
        boolean sawTemplates = false;
        while (pos + 4 <= len) {
            int setId = b.getShort(pos) & 0xffff;
            int setLength = b.getShort(pos + 2) & 0xffff;
            if (setLength < 4 || pos + setLength > len) {
                problems.add("set length " + setLength + " at " + pos + " of " + len);
                return;
            }
            int end = pos + setLength;
            int p = pos + 4;
            if (setId == (version == 10 ? 2 : 0)) {
                sawTemplates = true;
                while (p + 4 <= end) {
                    int id = b.getShort(p) & 0xffff;
                    int count = b.getShort(p + 2) & 0xffff;
                    p += 4;
                    int[][] fields = new int[count][];
                    for (int i = 0; i < count; i++) {
                        int element = b.getShort(p) & 0xffff;
                        int length = b.getShort(p + 2) & 0xffff;
                        p += 4;
                        if (version == 10 && (element & 0x8000) != 0) {
                            long pen = b.getInt(p) & 0xffffffffL;
                            p += 4;
                            if (pen != REVERSE_PEN) {
                                problems.add("enterprise " + pen + " element " + (element & 0x7fff));
                            }
                            element = reverse(element & 0x7fff);
                        }
                        fields[i] = new int[] {element, length};
                    }
                    templates.put(domain + "/" + id, fields);
                    templateRecords++;
                }
            } else if (setId >= 256) {
                int[][] fields = templates.get(domain + "/" + setId);
                if (fields == null) {
                    unknownSets++;
                } else {
                    int recordLength = 0;
                    for (int[] f : fields) {
                        recordLength += f[1];
                    }
                    while (p + recordLength <= end) {
                        Map<Integer, byte[]> values = new LinkedHashMap<>();
                        for (int[] f : fields) {
                            byte[] v = new byte[f[1]];
                            b.get(p, v);
                            values.put(f[0], v);
                            p += f[1];
                        }
                        records.add(new DataRecord(version, domain, setId, values, unixSeconds, uptime));
                        data++;
                    }
                    if (end - p >= 4) {
                        problems.add("padding of " + (end - p) + " bytes");
                    }
                }
            } else {
                problems.add("set id " + setId);
            }
            pos = end;
        }
        if (pos != len) {
            problems.add("trailing " + (len - pos) + " bytes");
        }
        if (sawTemplates) {
            messagesWithTemplates++;
        }
        nextSequence.put(domain, version == 10 ? sequence + data : sequence + 1);
    }

    /** A new transport session (a TCP connection) begins: sequence numbers are checked afresh. */
    synchronized void newSession() {
        nextSequence.clear();
    }

    /** {@return the fields of a template learnt, each {key, length} in template order; null when not learnt} */
    synchronized int[][] template(long domainId, int templateId) {
        return templates.get(domainId + "/" + templateId);
    }

    synchronized List<DataRecord> records() {
        return List.copyOf(records);
    }

    synchronized List<Integer> messageLengths() {
        return List.copyOf(messageLengths);
    }

    synchronized List<String> problems() {
        return List.copyOf(problems);
    }

    synchronized int templateRecords() {
        return templateRecords;
    }

    synchronized int messagesWithTemplates() {
        return messagesWithTemplates;
    }

    synchronized int unknownSets() {
        return unknownSets;
    }

    /**
     * The events the records came from, by flow id and in order: a record that is the mirror of the one before it
     * (same start, addresses and ports swapped) is that event's reverse direction.
     */
    synchronized List<String> eventIds() {
        List<String> ids = new ArrayList<>();
        DataRecord previous = null;
        for (DataRecord r : records) {
            if (previous != null && r.key().equals(previous.key().reversed())
                    && r.startMillis() == previous.startMillis()) {
                previous = null;
                continue;
            }
            ids.add(r.flowId());
            previous = r;
        }
        return ids;
    }
}
