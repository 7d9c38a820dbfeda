package io.flowtrace.core.spi;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SinkTest {

    @Test
    void theSinkSpiCarriesNoEncodingArrangement() {
        List<String> internal = new ArrayList<>();
        for (Method m : Sink.class.getMethods()) {
            if (m.getName().contains("Json") || Arrays.asList(m.getParameterTypes()).contains(byte[].class)) {
                internal.add(m.toString());
            }
        }
        assertEquals(List.of(), internal, "the pre-encoding is core.internal.JsonEncodedSink's");
    }
}
