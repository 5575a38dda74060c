package dev.minepool.server.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The holders of a round: added in the order they asked, removed in any order, each exactly once. */
class HoldersTest {
    private static Miner miner(int id) {
        return new Miner(id, "127.0.0.1:" + id, 0, 0);
    }

    private static List<Miner> walk(Holders holders) {
        List<Miner> walked = new ArrayList<>();
        for (int i = 0; i < holders.size(); i++) {
            walked.add(holders.get(i));
        }
        return walked;
    }

    @Test
    void walksEveryHolderOnceInTheOrderTheyWereAddedAndGrowsPastItsFirstRoom() {
        Holders holders = new Holders(0);
        List<Miner> added = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Miner m = miner(i);
            added.add(m);
            holders.add(m);
        }
        assertThat(holders.size()).isEqualTo(100);
        assertThat(walk(holders)).containsExactlyElementsOf(added);
    }

    @Test
    void removesAnyHolderAndKeepsTheOthers() {
        Holders holders = new Holders(4);
        Miner a = miner(1);
        Miner b = miner(2);
        Miner c = miner(3);
        Miner d = miner(4);
        for (Miner m : List.of(a, b, c, d)) {
            holders.add(m);
        }
        holders.remove(b); // the last fills its place
        assertThat(walk(holders)).containsExactlyInAnyOrder(a, c, d);
        holders.remove(d);
        holders.remove(a);
        assertThat(walk(holders)).containsExactly(c);
        holders.remove(a); // twice: nothing happens
        holders.remove(miner(9)); // never added: nothing happens
        assertThat(walk(holders)).containsExactly(c);
        holders.remove(c);
        assertThat(holders.size()).isZero();
        holders.add(b);
        assertThat(walk(holders)).containsExactly(b);
    }
}
