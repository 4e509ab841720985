package org.openspp.gateway.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loopback TCP proxy that injects network faults between the gateway and its PostgreSQL registry.
 *
 * <p>The proxy listens on {@code 127.0.0.1} and forwards each accepted connection to the target. Its faults
 * apply to every connection, existing and new, from the moment the method returns:
 * <ul>
 *   <li>{@link #pass()} forwards normally (the initial state);</li>
 *   <li>{@link #delay(long)} forwards each chunk, in either direction, only once it is that old (latency);</li>
 *   <li>{@link #blackhole()} keeps connections open and accepts new ones but forwards nothing, dropping what it
 *   reads meanwhile (a stalled network or registry);</li>
 *   <li>{@link #refuse()} closes the listening socket and every connection, so connects are refused, until
 *   {@link #accept()} listens on the same port again (a registry outage and its return);</li>
 *   <li>{@link #resetAll()} aborts every connection with a TCP reset and keeps accepting.</li>
 * </ul>
 *
 * <p>It is plain JDK code on its own daemon platform threads (an acceptor, then a reader and a writer per
 * direction of each connection), so it neither slows nor is slowed by the event loops under test. All methods
 * are thread-safe. Background threads never throw; they log at debug level. {@link #close()} ends every
 * thread before it returns.
 */
public final class FaultProxy implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FaultProxy.class);

  private static final int CHUNK_BYTES = 16 * 1024;
  private static final int QUEUED_CHUNKS = 256;
  private static final int BACKLOG = 64;
  private static final int CONNECT_TIMEOUT_MS = 5_000;
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final long BIND_RETRY_MS = 2_000;
  private static final long JOIN_TIMEOUT_MS = 5_000;
  private static final Pattern URL = Pattern.compile("^(postgres(?:ql)?://)([^/?#]*@)?([^/?#@]*)(.*)$");

  private final String targetHost;
  private final int targetPort;
  private final int port;
  private final InetAddress loopback;
  private final Object lock = new Object();
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  private final AtomicInteger linkIds = new AtomicInteger();
  private final AtomicLong forwarded = new AtomicLong();
  private volatile long delayNanos;
  private volatile boolean blackholed;
  private ServerSocket listener;
  private boolean closed;

  private FaultProxy(String targetHost, int targetPort, ServerSocket listener) {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.listener = listener;
    this.port = listener.getLocalPort();
    this.loopback = listener.getInetAddress();
  }

  /** Starts a proxy on a free loopback port in front of {@code targetHost:targetPort}. */
  public static FaultProxy start(String targetHost, int targetPort) {
    return start(targetHost, targetPort, 0);
  }

  /** Starts a proxy on loopback port {@code listenPort} ({@code 0}: a free one) in front of the target. */
  public static FaultProxy start(String targetHost, int targetPort, int listenPort) {
    ServerSocket listener;
    try {
      listener = bind(InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1}), listenPort);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot listen on 127.0.0.1:" + listenPort, e);
    }
    FaultProxy proxy = new FaultProxy(targetHost, targetPort, listener);
    synchronized (proxy.lock) {
      proxy.spawn("accept", () -> proxy.acceptLoop(listener));
    }
    log.debug("Fault proxy 127.0.0.1:{} forwards to {}:{}", proxy.port, targetHost, targetPort);
    return proxy;
  }

  /** Starts a proxy in front of the server of a {@code postgresql://user@host:port/db} URL. */
  public static FaultProxy forUrl(String databaseUrl) {
    String hostPort = matchUrl(databaseUrl).group(3);
    String host = hostPort;
    int port = 5432;
    int colon = hostPort.lastIndexOf(':');
    if (colon >= 0 && colon > hostPort.lastIndexOf(']')) {
      host = hostPort.substring(0, colon);
      port = Integer.parseInt(hostPort.substring(colon + 1));
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return start(host.isEmpty() ? "localhost" : host, port);
  }

  /** The loopback port the proxy listens on; it stays the same across {@link #refuse()} and {@link #accept()}. */
  public int port() {
    return port;
  }

  /** {@code baseUrl} with its host and port replaced by the proxy's; user, password, database and options stay. */
  public String url(String baseUrl) {
    Matcher url = matchUrl(baseUrl);
    String userInfo = url.group(2) == null ? "" : url.group(2);
    return url.group(1) + userInfo + "127.0.0.1:" + port + url.group(4);
  }

  /** Forwards normally in both directions. */
  public void pass() {
    blackholed = false;
    delayNanos = 0;
  }

  /** Forwards every chunk read from now on, in both directions and in order, only {@code ms} after it was read. */
  public void delay(long ms) {
    if (ms < 0) {
      throw new IllegalArgumentException("Negative delay: " + ms);
    }
    delayNanos = TimeUnit.MILLISECONDS.toNanos(ms);
    blackholed = false;
  }

  /** Forwards nothing in either direction, dropping what is read, while connections stay open and new ones are accepted. */
  public void blackhole() {
    blackholed = true;
  }

  /** Closes the listening socket and every connection: connects to {@link #port()} are refused until {@link #accept()}. */
  public void refuse() {
    List<Link> current;
    synchronized (lock) {
      if (listener == null) {
        return;
      }
      closeQuietly(listener);
      listener = null;
      current = List.copyOf(links);
    }
    current.forEach(link -> link.close(false));
    log.debug("Fault proxy {} refuses connections", port);
  }

  /** Listens on the same port again after {@link #refuse()}; a no-op while listening. */
  public void accept() {
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("Fault proxy " + port + " is closed");
      }
      if (listener != null) {
        return;
      }
      ServerSocket reopened = rebind();
      listener = reopened;
      spawn("accept", () -> acceptLoop(reopened));
    }
    log.debug("Fault proxy {} accepts connections again", port);
  }

  /** Aborts every existing connection at once with a TCP reset (SO_LINGER 0) on both sides; new ones are accepted. */
  public void resetAll() {
    List<Link> current = List.copyOf(links);
    current.forEach(link -> link.close(true));
    log.debug("Fault proxy {} reset {} connection(s)", port, current.size());
  }

  /** Proxied connections currently open (accepted and not yet closed). */
  public int openConnections() {
    return links.size();
  }

  /** Bytes written to either side since the start. */
  public long bytesForwarded() {
    return forwarded.get();
  }

  /** Stops listening, resets every connection and waits for every proxy thread to end. Idempotent. */
  @Override
  public void close() {
    List<Link> current;
    synchronized (lock) {
      closed = true;
      closeQuietly(listener);
      listener = null;
      current = List.copyOf(links);
    }
    current.forEach(link -> link.close(true));
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_TIMEOUT_MS);
    for (Thread thread : List.copyOf(threads)) {
      long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      try {
        thread.join(Math.max(1, remainingMs));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (thread.isAlive()) {
        log.warn("Fault proxy thread {} did not end", thread.getName());
      }
    }
  }

  private void acceptLoop(ServerSocket server) {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (!server.isClosed()) {
          log.debug("Fault proxy {} accept failed", port, e);
          LockSupport.parkNanos(POLL_NANOS);
        }
        continue;
      }
      open(server, client);
    }
  }

  private void open(ServerSocket server, Socket client) {
    Link link = new Link(linkIds.incrementAndGet(), client);
    synchronized (lock) {
      // A refuse() or close() between accept and here must not let the connection through.
      if (listener != server) {
        closeQuietly(client);
        return;
      }
      links.add(link);
      if (!spawn(link.id + "-up-read", link::run)) {
        link.close(true);
      }
    }
  }

  /** Starts a daemon thread unless the proxy is closed; call with {@link #lock} held. */
  private boolean spawn(String role, Runnable body) {
    if (closed) {
      return false;
    }
    Thread thread = new Thread(() -> {
      try {
        body.run();
      } catch (Throwable e) {
        log.debug("Fault proxy {} thread failed", port, e);
      } finally {
        threads.remove(Thread.currentThread());
      }
    }, "fault-proxy-" + port + "-" + role);
    thread.setDaemon(true);
    threads.add(thread);
    thread.start();
    return true;
  }

  private boolean spawnLocked(String role, Runnable body) {
    synchronized (lock) {
      return spawn(role, body);
    }
  }

  private ServerSocket rebind() {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BIND_RETRY_MS);
    while (true) {
      try {
        return bind(loopback, port);
      } catch (BindException e) {
        if (System.nanoTime() > deadline) {
          throw new UncheckedIOException("Cannot listen on 127.0.0.1:" + port + " again", e);
        }
        LockSupport.parkNanos(POLL_NANOS);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot listen on 127.0.0.1:" + port + " again", e);
      }
    }
  }

  private static ServerSocket bind(InetAddress address, int port) throws IOException {
    ServerSocket server = new ServerSocket();
    try {
      server.setReuseAddress(true);
      server.bind(new InetSocketAddress(address, port), BACKLOG);
      return server;
    } catch (IOException e) {
      closeQuietly(server);
      throw e;
    }
  }

  private static Matcher matchUrl(String url) {
    Matcher matcher = URL.matcher(url);
    if (!matcher.matches()) {
      throw new IllegalArgumentException("Not a postgresql:// URL: " + url);
    }
    return matcher;
  }

  private static void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception e) {
      log.debug("Closing {} failed", closeable, e);
    }
  }

  /** One proxied connection: the accepted client socket and its own socket to the target. */
  private final class Link {

    final int id;
    final Socket client;
    final Socket upstream = new Socket();
    final AtomicBoolean closed = new AtomicBoolean();
    final AtomicInteger ended = new AtomicInteger();

    Link(int id, Socket client) {
      this.id = id;
      this.client = client;
    }

    /** Connects to the target, starts the other three pumps and pumps client to target on this thread. */
    void run() {
      try {
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        upstream.connect(targetAddress(), CONNECT_TIMEOUT_MS);
      } catch (IOException e) {
        if (!closed.get()) {
          log.debug("Fault proxy {} connection {} cannot reach {}:{}", port, id, targetHost, targetPort, e);
        }
        close(false);
        return;
      }
      Direction up = new Direction(client, upstream);
      Direction down = new Direction(upstream, client);
      if (!spawnLocked(id + "-up-write", up::write)
          || !spawnLocked(id + "-down-read", down::read)
          || !spawnLocked(id + "-down-write", down::write)) {
        close(true);
        return;
      }
      up.read();
    }

    InetSocketAddress targetAddress() throws UnknownHostException {
      return new InetSocketAddress(InetAddress.getByName(targetHost), targetPort);
    }

    /** Closes both sockets once; {@code abrupt} sends a reset instead of a FIN. */
    void close(boolean abrupt) {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
      if (abrupt) {
        lingerZero(client);
        lingerZero(upstream);
      }
      closeQuietly(client);
      closeQuietly(upstream);
      links.remove(this);
    }

    /** One side's end reached the other side; the link closes when both sides have ended. */
    void ended() {
      if (ended.incrementAndGet() == 2) {
        close(false);
      }
    }

    private void lingerZero(Socket socket) {
      try {
        socket.setSoLinger(true, 0);
      } catch (IOException e) {
        log.debug("Fault proxy {} connection {}: SO_LINGER failed", port, id, e);
      }
    }

    /** Bytes from one socket to the other: a reader thread queues chunks, a writer thread sends them when due. */
    private final class Direction {

      final Socket from;
      final Socket to;
      final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUED_CHUNKS);

      Direction(Socket from, Socket to) {
        this.from = from;
        this.to = to;
      }

      void read() {
        byte[] buffer = new byte[CHUNK_BYTES];
        try {
          InputStream in = from.getInputStream();
          while (true) {
            int read = in.read(buffer);
            long due = System.nanoTime() + delayNanos;
            if (read < 0) {
              enqueue(new Chunk(null, due));
              return;
            }
            if (!blackholed) {
              enqueue(new Chunk(Arrays.copyOf(buffer, read), due));
            }
          }
        } catch (IOException e) {
          failed("read", e);
        }
      }

      void write() {
        try {
          OutputStream out = to.getOutputStream();
          while (!closed.get()) {
            Chunk chunk = queue.poll(POLL_NANOS, TimeUnit.NANOSECONDS);
            if (chunk == null || !awaitDue(chunk.due)) {
              continue;
            }
            if (chunk.bytes == null) {
              // A stalled network loses the FIN as well; the link then lives until reset or close.
              if (!blackholed) {
                to.shutdownOutput();
              }
              ended();
              return;
            }
            if (!blackholed) {
              out.write(chunk.bytes);
              out.flush();
              forwarded.addAndGet(chunk.bytes.length);
            }
          }
        } catch (IOException e) {
          failed("write", e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          close(true);
        }
      }

      private void enqueue(Chunk chunk) {
        try {
          while (!closed.get() && !queue.offer(chunk, POLL_NANOS, TimeUnit.NANOSECONDS)) {
            // The writer is behind (a long delay); wait for room so that memory stays bounded.
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          close(true);
        }
      }

      private boolean awaitDue(long due) {
        long wait;
        while ((wait = due - System.nanoTime()) > 0 && !closed.get()) {
          LockSupport.parkNanos(Math.min(wait, POLL_NANOS));
        }
        return !closed.get();
      }

      /** A reset or error on one side aborts the other side too, as a real broken path would. */
      private void failed(String operation, IOException e) {
        if (!closed.get()) {
          log.debug("Fault proxy {} connection {}: {} failed, resetting", port, id, operation, e);
          close(true);
        }
      }
    }
  }

  /** Bytes read at one time, or the end of the stream when {@code bytes} is null. */
  private record Chunk(byte[] bytes, long due) {
  }
}
