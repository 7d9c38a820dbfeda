package io.flowtrace.sketch;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KeyFieldsTest {

    @Test
    void acceptsFlowtraceAndEngineSpellings() {
        assertEquals(KeyFields.parse("src_ip,dst_port"), KeyFields.of(List.of("SrcIP", "DstPort")));
        assertEquals("dst_port,src_ip", KeyFields.parse("DstPort, SrcIP").toString());
        assertEquals(KeyFields.parse("src_ip,dst_ip"), KeyFields.parse("src_ip+dst_ip"));
        assertEquals(List.of("src_ip", "dst_ip", "src_port", "dst_port", "protocol"),
                KeyFields.parse("five_tuple").names());
    }

    @Test
    void wordsDependOnTheAddressesSelected() {
        assertEquals(3, KeyFields.parse("src_ip").words());
        assertEquals(5, KeyFields.parse("five_tuple").words());
        assertEquals(1, KeyFields.parse("protocol,dst_port").words());
    }

    @Test
    void refusesUnknownRepeatedAndEmptyFields() {
        assertEquals("key field: 'vlan' (expected: one of src_ip, dst_ip, src_port, dst_port, protocol)",
                assertThrows(IllegalArgumentException.class, () -> KeyFields.parse("src_ip,vlan")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> KeyFields.parse("src_ip,SrcIP"));
        assertThrows(IllegalArgumentException.class, () -> KeyFields.parse(" "));
    }
}
