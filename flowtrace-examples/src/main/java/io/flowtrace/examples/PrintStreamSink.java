package io.flowtrace.examples;

import com.fasterxml.jackson.core.JsonGenerator;
import io.flowtrace.core.FlowRecord;
import io.flowtrace.core.FlowRecordJson;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.core.spi.Snapshot;

import java.io.IOException;
import java.io.PrintStream;

/** Writes NDJSON records to the command's standard output (the default output of {@code flows}). */
final class PrintStreamSink implements Sink {
    private final PrintStream out;
    private final JsonGenerator gen;
    private final FlowRecordJson json = new FlowRecordJson();

    PrintStreamSink(PrintStream out) throws IOException {
        this.out = out;
        this.gen = FlowRecordJson.FACTORY.createGenerator(new java.io.BufferedOutputStream(out, 1 << 16));
        gen.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        gen.setRootValueSeparator(new com.fasterxml.jackson.core.io.SerializedString("\n"));
    }

    @Override
    public String name() {
        return "stdout";
    }

    @Override
    public void accept(FlowRecord record) throws IOException {
        json.write(record, gen);
    }

    @Override
    public void accept(Snapshot snapshot) {
        // flows prints records only
    }

    @Override
    public void flush() throws IOException {
        gen.flush();
    }

    @Override
    public void close() throws IOException {
        gen.writeRaw('\n');
        gen.close();
        out.flush();
    }
}
