package io.flowtrace.testkit.synth;

import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.testkit.PacketSourceContractKit;

/** The generator's in-memory source keeps the packet-source contract. */
class SyntheticSourceContractTest extends PacketSourceContractKit {
    private static final SyntheticCapture GENERATOR = SyntheticCapture.builder().packets(50_000).conversations(4_000)
            .seed(5).build();

    @Override
    protected PacketSource createSource() {
        return GENERATOR.source();
    }

    @Override
    protected long expectedPackets() {
        return 50_000;
    }
}
