package dev.minepool.client.wallet;

import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ledger.Ed25519;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * A wallet: one miner name and the Ed25519 private key that name is (or will be) bound to. The file is text,
 * UTF-8, one field a line, so that a person can see whose key it is:
 *
 * <pre>
 * # minepool wallet: the private key of the miner name below. Whoever can read this file can spend
 * # that name's coins; it was created readable by its owner only. Keep a copy somewhere safe.
 * minepool-wallet 1
 * name alice
 * public-key 3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c
 * private-key 302e020100300506032b657004220420...   (PKCS#8, hex: the JDK's encoding of an Ed25519 key)
 * </pre>
 *
 * Lines starting with {@code #} are comments. The public key is redundant (it follows from the private key) and
 * is checked on reading: a file whose two keys disagree was damaged or edited, and is refused.
 *
 * <p>It is created with owner-only permissions (0600) from the start, atomically, by the call that creates it, so
 * there is no moment at which another user could open it; it is never overwritten, and never widened. A file
 * that group or others can read is refused on reading, as ssh refuses such a key.
 *
 * @param name the miner name
 * @param privateKey the key that signs its registration and transfers
 */
public record WalletFile(MinerName name, PrivateKey privateKey) {
    public static final String MAGIC = "minepool-wallet 1";
    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

    /** A fresh key for {@code name}. */
    public static WalletFile generate(MinerName name) {
        return new WalletFile(name, Ed25519.generate().getPrivate());
    }

    /** The raw 32-byte public key: what the name registration binds. */
    public byte[] publicKey() {
        return Ed25519.rawPublicKeyOf(privateKey);
    }

    /** {@code ~/.minepool/wallets/NAME.key}, NAME percent-encoded where it is not a plain file name. */
    public static Path defaultPath(Path home, MinerName name) {
        return home.resolve(".minepool").resolve("wallets").resolve(fileName(name));
    }

    static String fileName(MinerName name) {
        // Names are UTF-8 without control characters, but '/' and the like are allowed in them.
        return URLEncoder.encode(name.value(), StandardCharsets.UTF_8).replace("*", "%2A") + ".key";
    }

    /** The file's text. */
    String text() {
        HexFormat hex = HexFormat.of();
        return "# minepool wallet: the private key of the miner name below. Whoever can read this file can spend\n"
                + "# that name's coins; it was created readable by its owner only. Keep a copy somewhere safe.\n"
                + MAGIC + "\n"
                + "name " + name.value() + "\n"
                + "public-key " + hex.formatHex(publicKey()) + "\n"
                + "private-key " + hex.formatHex(Ed25519.encodePrivateKey(privateKey)) + "\n";
    }

    /**
     * Creates {@code file} with this wallet in it, readable and writable by its owner only. Its directory is
     * made (owner-only) when missing.
     *
     * @throws FileAlreadyExistsException if there is a file there already: a wallet is never overwritten
     */
    public void create(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        boolean posix = Files.getFileStore(existingAncestor(parent)).supportsFileAttributeView(
                PosixFileAttributeView.class);
        if (!Files.isDirectory(parent)) {
            if (posix) {
                Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
            } else {
                Files.createDirectories(parent);
            }
        }
        FileAttribute<?>[] attributes = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                : new FileAttribute<?>[0];
        // CREATE_NEW (O_CREAT|O_EXCL) with the mode given to open(2) itself: refuses an existing file or link,
        // and the file never exists with wider permissions (the umask can only narrow them further).
        boolean created = false;
        try (FileChannel channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), attributes)) {
            created = true;
            ByteBuffer bytes = ByteBuffer.wrap(text().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true); // the key is on disk before the name is registered to it
        } catch (IOException e) {
            if (created) {
                Files.deleteIfExists(file); // half a key is no key; the file was ours, made just above
            }
            throw e;
        }
    }

    private static Path existingAncestor(Path dir) {
        Path p = dir;
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        return p == null ? Path.of("").toAbsolutePath() : p;
    }

    /**
     * Reads a wallet file.
     *
     * @throws IOException the file cannot be read
     * @throws WalletException the file is not a wallet, is damaged, or is readable by others (the message says
     *                         which and what to do)
     */
    public static WalletFile read(Path file) throws IOException, WalletException {
        if (Files.getFileStore(file).supportsFileAttributeView(PosixFileAttributeView.class)) {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            for (PosixFilePermission p : permissions) {
                if (!OWNER_ONLY.contains(p) && p != PosixFilePermission.OWNER_EXECUTE) {
                    throw new WalletException("the wallet " + file + " is readable or writable by others ("
                            + PosixFilePermissions.toString(permissions) + "); a private key must be yours alone: "
                            + "chmod 600 " + file + ", and if others may have read it, move your coins to a new "
                            + "wallet's name");
                }
            }
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        String magic = null;
        String name = null;
        String publicKey = null;
        String privateKey = null;
        for (String line : lines) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            if (magic == null) {
                magic = line;
                if (!magic.equals(MAGIC)) {
                    throw new WalletException(file + " is not a minepool wallet (its first line is not '" + MAGIC
                            + "')");
                }
            } else if (line.startsWith("name ")) {
                name = line.substring(5);
            } else if (line.startsWith("public-key ")) {
                publicKey = line.substring(11).trim();
            } else if (line.startsWith("private-key ")) {
                privateKey = line.substring(12).trim();
            } else {
                throw new WalletException("the wallet " + file + " has a line it does not know: '"
                        + MinerName.escape(line.length() > 40 ? line.substring(0, 40) + "…" : line) + "'");
            }
        }
        if (magic == null || name == null || publicKey == null || privateKey == null) {
            throw new WalletException("the wallet " + file + " is incomplete: it needs the lines '" + MAGIC
                    + "', name, public-key and private-key");
        }
        MinerName minerName;
        try {
            minerName = MinerName.parse(name);
        } catch (IllegalArgumentException e) {
            throw new WalletException("the wallet " + file + " names '" + MinerName.escape(name)
                    + "', which is not a miner name: " + e.getMessage());
        }
        PrivateKey key;
        byte[] expectedPublic;
        try {
            key = Ed25519.decodePrivateKey(HexFormat.of().parseHex(privateKey));
            expectedPublic = HexFormat.of().parseHex(publicKey);
        } catch (RuntimeException e) {
            throw new WalletException("the wallet " + file + " is damaged: its keys are not hex of an Ed25519 key ("
                    + e.getMessage() + ")");
        }
        WalletFile wallet = new WalletFile(minerName, key);
        if (!Arrays.equals(wallet.publicKey(), expectedPublic)) {
            throw new WalletException("the wallet " + file + " is damaged: its public key is not the one of its "
                    + "private key");
        }
        return wallet;
    }

    /** A wallet file that cannot be used, with a sentence saying why and what to do. */
    public static final class WalletException extends Exception {
        private static final long serialVersionUID = 1L;

        public WalletException(String message) {
            super(message);
        }
    }
}
