package dev.minepool.server.rules;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MinerTest {
    final Round round = new Round(1, new byte[32], 0, 8, 0, 0);

    Job job(int number) {
        return new Job(number, round, number, new byte[52], 1);
    }

    @Test
    void remembersTheLastFourJobsItWasGiven() {
        Miner miner = new Miner(1, "127.0.0.1:1", 0, 0);
        Job[] jobs = {job(1), job(2), job(3), job(4), job(5)};
        for (Job j : jobs) {
            miner.given(j);
        }
        assertThat(miner.recentJob(1)).as("the oldest fell off").isNull();
        assertThat(miner.recentJob(2)).isSameAs(jobs[1]);
        assertThat(miner.recentJob(5)).isSameAs(jobs[4]);
        assertThat(miner.lastJob).isSameAs(jobs[4]);
    }

    @Test
    void aReusedNumberMeansOnlyTheJobGivenLast() {
        Miner miner = new Miner(1, "127.0.0.1:1", 0, 0);
        Job before = job(7);
        Job other = job(8);
        Job after = job(7);
        miner.given(before);
        miner.given(other);
        miner.given(after);
        assertThat(miner.recentJob(7)).isSameAs(after);
        assertThat(miner.recentJob(8)).isSameAs(other);
        miner.given(job(9));
        miner.given(job(10));
        assertThat(miner.recentJob(8)).as("the forgotten duplicate did not hold a place").isSameAs(other);
    }
}
