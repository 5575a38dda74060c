package dev.minepool.server.loop;

import dev.minepool.protocol.Message;
import dev.minepool.server.PoolLog;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Who may connect: at most {@code maxClients} connections in all and {@code maxClientsPerHost} from one
 * address, so that one host (say, connections that send one G and then nothing) cannot lock everyone else out.
 * Counts only admitted connections; the event loop's thread only.
 */
final class Admission {
    private final int maxClients;
    private final int maxClientsPerHost;
    private final Map<InetAddress, Integer> perHost = new HashMap<>();
    private int admitted;

    Admission(int maxClients, int maxClientsPerHost) {
        this.maxClients = maxClients;
        this.maxClientsPerHost = maxClientsPerHost;
    }

    /** Admits a connection from {@code host}, or says why not. */
    Message.Quit.Reason admit(InetAddress host) {
        if (admitted >= maxClients) {
            return Message.Quit.Reason.POOL_FULL;
        }
        int fromHost = perHost.getOrDefault(host, 0);
        if (fromHost >= maxClientsPerHost) {
            return Message.Quit.Reason.HOST_FULL;
        }
        perHost.put(host, fromHost + 1);
        admitted++;
        return null;
    }

    /** An admitted connection from {@code host} closed. */
    void release(InetAddress host) {
        admitted--;
        perHost.computeIfPresent(host, (h, n) -> n == 1 ? null : n - 1);
    }

    int admitted() {
        return admitted;
    }

    /** The limit a refusal names, for its log line. */
    String limitFor(Message.Quit.Reason reason) {
        return reason == Message.Quit.Reason.POOL_FULL ? PoolLog.count(maxClients, "connection") + ", --max-clients"
                : PoolLog.count(maxClientsPerHost, "connection") + " from one address, --max-clients-per-host";
    }
}
