package dev.minepool.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PoolAddressTest {
    @Test
    void readsHostAndPortTheWayTheyAreTyped() {
        assertThat(PoolAddress.parse("pool.example:4444")).isEqualTo(new PoolAddress("pool.example", 4444));
        assertThat(PoolAddress.parse(" 10.0.0.2:3333 ")).isEqualTo(new PoolAddress("10.0.0.2", 3333));
        assertThat(PoolAddress.parse("localhost")).as("the default port").isEqualTo(new PoolAddress("localhost", 3333));
        assertThat(PoolAddress.parse("[::1]:5555")).isEqualTo(new PoolAddress("::1", 5555));
        assertThat(PoolAddress.parse("::1")).as("a bare IPv6 address").isEqualTo(new PoolAddress("::1", 3333));
        assertThat(new PoolAddress("::1", 5555)).hasToString("[::1]:5555");
        assertThat(new PoolAddress("a", 1)).hasToString("a:1");
    }

    @Test
    void refusesWhatIsNotHostAndPortSayingWhy() {
        assertThatThrownBy(() -> PoolAddress.parse("a:0")).hasMessageContaining("needs a port from 1 to 65535");
        assertThatThrownBy(() -> PoolAddress.parse("a:x")).hasMessageContaining("needs a port from 1 to 65535");
        assertThatThrownBy(() -> PoolAddress.parse(":3333")).hasMessageContaining("has no host");
        assertThatThrownBy(() -> PoolAddress.parse("[::1:3333")).hasMessageContaining("never closes it");
    }
}
