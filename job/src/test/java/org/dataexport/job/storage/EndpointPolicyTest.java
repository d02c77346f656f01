package org.dataexport.job.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EndpointPolicyTest {
    private final EndpointPolicy defaults = EndpointPolicy.parse(EndpointPolicy.DEFAULT);

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "localhost", "[::1]", "::1", "2130706433", "0x7f000001", "127.1", "0.0.0.0",
            "169.254.169.254", "[fd00:ec2::254]", "10.0.0.1", "192.168.1.1", "172.16.0.1", "100.64.0.1", "[::ffff:127.0.0.1]",
            "[fe80::1]", "s3.example.com", "no-such-host.invalid"})
    void defaultsRefuseEverythingButAws(String host) {
        assertThrows(EndpointRefusedException.class, () -> defaults.check(host, 9000));
    }

    @Test
    void rangesAllowPrivateAddressesOnlyWhereListedWithTheirPort() {
        EndpointPolicy policy = EndpointPolicy.parse("127.0.0.1/32:9000, 10.1.0.0/16, [::1]/128:9000");
        assertDoesNotThrow(() -> policy.check("127.0.0.1", 9000));
        assertDoesNotThrow(() -> policy.check("[::1]", 9000));
        assertDoesNotThrow(() -> policy.check("10.1.200.3", 443));
        assertThrows(EndpointRefusedException.class, () -> policy.check("127.0.0.1", 9001));
        assertThrows(EndpointRefusedException.class, () -> policy.check("10.2.0.1", 443));
        assertThrows(EndpointRefusedException.class, () -> policy.check("169.254.169.254", 80));
    }

    @Test
    void aNameNeverVouchesForAPrivateAddress() {
        EndpointPolicy policy = EndpointPolicy.parse("localhost:9000,*.localhost");
        assertThrows(EndpointRefusedException.class, () -> policy.check("localhost", 9000));
        assertDoesNotThrow(() -> EndpointPolicy.parse("localhost:9000,127.0.0.0/8:9000").check("localhost", 9000));
    }

    @Test
    void malformedEntriesAreConfigurationErrors() {
        for (String entry : new String[] {"10.0.0.0/33", "host:99999", "ho st", "[::1", "10.0.0.0/8:x", "*.*.com"}) {
            assertThrows(IllegalArgumentException.class, () -> EndpointPolicy.parse(entry), entry);
        }
    }
}
