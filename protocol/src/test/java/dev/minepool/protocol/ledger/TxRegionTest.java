package dev.minepool.protocol.ledger;

import static dev.minepool.protocol.ledger.TestKeys.ALICE;
import static dev.minepool.protocol.ledger.TestKeys.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TxRegionTest {
    private static byte[] filler(int size) {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        return data;
    }

    @Test
    void writesTheCountAndRecordsAndKeepsTheFiller() throws MalformedTxException {
        byte[] data = filler(1024);
        byte[] before = data.clone();
        List<TxRecord> records = List.of(ALICE.registration(), ALICE.send(BOB, 5, 1), ALICE.send(BOB, 6, 2));
        int end = TxRegion.write(data, records);
        assertThat(end).isEqualTo(54 + 107 + 101 + 101);
        assertThat(data[52]).isZero();
        assertThat(data[53]).isEqualTo((byte) 3);
        assertThat(Arrays.copyOf(data, 52)).as("the header is left alone").isEqualTo(Arrays.copyOf(before, 52));
        assertThat(Arrays.copyOfRange(data, end, 1024)).as("the filler is left alone")
                .isEqualTo(Arrays.copyOfRange(before, end, 1024));
        assertThat(TxRegion.read(data)).containsExactlyElementsOf(records);
    }

    @Test
    void anEmptyRegionIsACountOfZero() throws MalformedTxException {
        byte[] data = filler(1024);
        assertThat(TxRegion.write(data, List.of())).isEqualTo(54);
        assertThat(TxRegion.read(data)).isEmpty();
    }

    @Test
    void aDefaultJobHoldsNineTransfersAndNoTenth() throws MalformedTxException {
        assertThat(TxRegion.capacity(1024)).isEqualTo(970);
        List<Transfer> nine = new ArrayList<>();
        for (int i = 1; i <= 9; i++) {
            nine.add(ALICE.send(BOB, i, i));
        }
        byte[] data = filler(1024);
        assertThat(TxRegion.write(data, nine)).isEqualTo(54 + 909);
        assertThat(TxRegion.read(data)).hasSize(9);
        List<Transfer> ten = new ArrayList<>(nine);
        ten.add(ALICE.send(BOB, 10, 10));
        assertThatThrownBy(() -> TxRegion.write(filler(1024), ten)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("10 records of 1010 bytes do not fit in job data of 1024 bytes (room for 970)");
    }

    @Test
    void aRegionFilledToTheLastByteReads() throws MalformedTxException {
        byte[] data = filler(54 + 101 + 107);
        TxRegion.write(data, List.of(ALICE.send(BOB, 1, 1), BOB.registration()));
        assertThat(TxRegion.read(data)).hasSize(2);
    }

    @Test
    void aCountThatCannotFitIsMalformed() {
        byte[] data = filler(1024);
        data[52] = 0;
        data[53] = 10;
        assertThatThrownBy(() -> TxRegion.read(data)).isInstanceOf(MalformedTxException.class)
                .hasMessage("the transaction count 10 does not fit: 10 records need at least 1010 bytes, the region"
                        + " has 970 after the count");
        data[52] = (byte) 0xff;
        data[53] = (byte) 0xff;
        assertThatThrownBy(() -> TxRegion.read(data)).hasMessageContaining("the transaction count 65535 does not fit");
    }

    @Test
    void aRecordCutOffByTheEndOfTheDataIsMalformed() {
        // Three records: N and X whole, and a third whose 100 bytes are cut off by the end of the data. The count
        // alone fits (3 x 101 <= 308), so it is the third record that is found wanting.
        byte[] data = filler(54 + 107 + 101 + 100);
        byte[] whole = filler(54 + 107 + 101 + 101);
        TxRegion.write(whole, List.of(ALICE.registration(), ALICE.send(BOB, 1, 1), ALICE.send(BOB, 2, 2)));
        System.arraycopy(whole, 0, data, 0, data.length);
        assertThatThrownBy(() -> TxRegion.read(data))
                .hasMessage("record 2 of 3: the X record at byte 262 is cut off: it is 101 bytes, 100 remain");
        data[262] = 'N';
        assertThatThrownBy(() -> TxRegion.read(data))
                .hasMessage("record 2 of 3: the N record at byte 262 is cut off: it is 107 bytes, 100 remain");
    }

    @Test
    void anUnknownKindOrABadNameInsideTheRegionNamesTheRecord() {
        byte[] data = filler(1024);
        TxRegion.write(data, List.of(ALICE.send(BOB, 1, 1), ALICE.send(BOB, 2, 2)));
        data[54 + 101] = 'Q';
        assertThatThrownBy(() -> TxRegion.read(data))
                .hasMessage("record 1 of 2: unknown record kind 0x51 at byte 155 (N is 0x4e, X is 0x58)");
        data[54 + 101] = 'X';
        data[54 + 1] = (byte) 0xc3; // a lone lead byte: invalid UTF-8
        assertThatThrownBy(() -> TxRegion.read(data)).hasMessageStartingWith("record 0 of 2: the sender of the X");
    }

    @Test
    void dataTooShortForTheCountCarriesNoRecords() throws MalformedTxException {
        assertThat(TxRegion.read(filler(52))).isEmpty();
        assertThat(TxRegion.read(filler(53))).isEmpty();
        assertThat(TxRegion.capacity(52)).isZero();
        assertThat(TxRegion.capacity(54)).isZero();
        assertThat(TxRegion.write(filler(53), List.of())).isEqualTo(53);
        assertThatThrownBy(() -> TxRegion.write(filler(53), List.of(ALICE.send(BOB, 1, 1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TxRegion.read(filler(51))).hasMessageContaining("no block header");
        byte[] countOnly = filler(54);
        TxRegion.write(countOnly, List.of());
        assertThat(TxRegion.read(countOnly)).isEmpty();
    }
}
