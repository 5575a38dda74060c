package dev.minepool.client.wallet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ledger.Ed25519;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalletFileTest {
    @TempDir
    Path dir;

    @Test
    void isCreatedReadableByItsOwnerOnly() throws Exception {
        Path file = dir.resolve("wallets/alice.key");
        WalletFile.generate(MinerName.parse("alice")).create(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                .as("a directory it made for the wallet").isEqualTo("rwx------");
    }

    @Test
    void readsBackTheNameAndAKeyThatSignsAsTheOriginal() throws Exception {
        Path file = dir.resolve("bob.key");
        WalletFile written = WalletFile.generate(MinerName.parse("bob"));
        written.create(file);
        WalletFile read = WalletFile.read(file);
        assertThat(read.name()).isEqualTo(MinerName.parse("bob"));
        assertThat(read.publicKey()).isEqualTo(written.publicKey());
        byte[] message = "minepool".getBytes(StandardCharsets.US_ASCII);
        assertThat(Ed25519.verify(written.publicKey(), message, Ed25519.sign(read.privateKey(), message)))
                .as("a signature by the key read back verifies under the key written").isTrue();
        assertThat(Files.readString(file)).contains("minepool-wallet 1\nname bob\npublic-key ");
    }

    @Test
    void neverOverwritesAnExistingFile() throws Exception {
        Path file = dir.resolve("carol.key");
        Files.writeString(file, "something precious");
        assertThatThrownBy(() -> WalletFile.generate(MinerName.parse("carol")).create(file))
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readString(file)).isEqualTo("something precious");
    }

    @Test
    void refusesAFileOthersCanRead() throws Exception {
        Path file = dir.resolve("dave.key");
        WalletFile.generate(MinerName.parse("dave")).create(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> WalletFile.read(file)).isInstanceOf(WalletFile.WalletException.class)
                .hasMessageContaining("readable or writable by others (rw-r--r--)")
                .hasMessageContaining("chmod 600");
    }

    @Test
    void refusesAFileWhosePublicKeyIsNotItsPrivateKeys() throws Exception {
        Path file = dir.resolve("erin.key");
        WalletFile.generate(MinerName.parse("erin")).create(file);
        String other = java.util.HexFormat.of().formatHex(WalletFile.generate(MinerName.parse("x")).publicKey());
        String text = Files.readString(file).replaceAll("public-key [0-9a-f]+", "public-key " + other);
        Files.writeString(file, text);
        assertThatThrownBy(() -> WalletFile.read(file)).hasMessageContaining("is damaged: its public key is not");
    }

    @Test
    void refusesWhatIsNotAWallet() throws Exception {
        Path file = dir.resolve("notes.key");
        Files.writeString(file, "hello\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> WalletFile.read(file)).hasMessageContaining("is not a minepool wallet");
    }

    @Test
    void defaultPathKeepsAPlainNameAndEncodesTheRest() {
        assertThat(WalletFile.defaultPath(dir, MinerName.parse("alice")))
                .isEqualTo(dir.resolve(".minepool/wallets/alice.key"));
        Path odd = WalletFile.defaultPath(dir, MinerName.parse("a/b c"));
        assertThat(odd.getFileName().toString()).isEqualTo("a%2Fb+c.key");
        assertThat(odd.getParent()).isEqualTo(dir.resolve(".minepool/wallets"));
        assertThat(Arrays.asList(odd.getFileName().toString().split("/"))).hasSize(1);
    }
}
