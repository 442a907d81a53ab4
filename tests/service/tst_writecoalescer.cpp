// WriteCoalescer and the corking RawStreamConnection, over real loopback TCP connections:
// the writes of one loop pass leave in one sendmsg(2) when the pass ends, past corkBytes a
// write sends at once, a peer that does not read keeps the queue, closeAfterFlush() sends
// the corked bytes before the FIN, abort() drops them, and streams or a coalescer that go
// away while a flush is scheduled are never called. On the EpollEventDispatcher a cork ends
// with the handling of its descriptor, and a descriptor's reads can be diverted from Qt's
// notifier to a handler (divertReads()).
//
// Built twice from this file: tst_writecoalescer runs on Qt's default event dispatcher
// (the coalescer flushes through a queued call), tst_writecoalescer_epoll installs
// ssebufd's EpollEventDispatcher (the coalescer flushes on aboutToPoll()).

#include "eventloop/epolleventdispatcher.h"
#include "eventloop/writecoalescer.h"
#include "http/rawstreamconnection.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QPointer>
#include <QSignalSpy>
#include <QSocketNotifier>
#include <QTest>

#include <cstdio>
#include <memory>

#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace ssebuf;

namespace {

constexpr qint64 maxInputBytes = 65536;

// The client end of a loopback TCP connection, read by the test with non-blocking recv(2).
class Peer
{
public:
    explicit Peer(int fd = -1)
        : m_fd(fd)
    {
    }
    ~Peer() { close(); }
    Peer(const Peer &) = delete;
    Peer &operator=(const Peer &) = delete;

    int fd() const { return m_fd; }
    void close()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
    }

    // Bytes the kernel holds for this end (FIONREAD).
    int pending() const
    {
        int count = -1;
        if (::ioctl(m_fd, FIONREAD, &count) != 0)
            return -1;
        return count;
    }

    // Reads whatever is there now into received(); notes an EOF or an error.
    void drain()
    {
        char buffer[65536];
        for (;;) {
            const ssize_t result = ::recv(m_fd, buffer, sizeof(buffer), MSG_DONTWAIT);
            if (result > 0) {
                m_received.append(buffer, result);
                continue;
            }
            if (result == 0) {
                m_eof = true;
                return;
            }
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                m_error = errno;
            return;
        }
    }

    // Waits (bounded, in poll(2), without running the Qt event loop) until the connection
    // is readable: bytes, an EOF or an error.
    bool waitReadable(int timeoutMs) const
    {
        struct pollfd descriptor = {m_fd, POLLIN, 0};
        return ::poll(&descriptor, 1, timeoutMs) == 1;
    }

    const QByteArray &received() const { return m_received; }
    bool sawEof() const { return m_eof; }
    int error() const { return m_error; }

private:
    int m_fd;
    QByteArray m_received;
    bool m_eof = false;
    int m_error = 0;
};

// A connected loopback pair made with socket/connect/accept. The server end is
// non-blocking like the Qt socket descriptor StreamConnection::take() duplicates.
// serverSendBuffer / peerReceiveBuffer (bytes, 0: the kernel's default) shrink the buffers
// before the connection is made, so the window is small from the start.
bool connectedPair(int *server, int *peer, int serverSendBuffer = 0, int peerReceiveBuffer = 0)
{
    *server = -1;
    *peer = -1;
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0)
        return false;
    struct sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    if (serverSendBuffer > 0) // inherited by the accepted socket
        ::setsockopt(listener, SOL_SOCKET, SO_SNDBUF, &serverSendBuffer, sizeof(int));
    if (::bind(listener, reinterpret_cast<struct sockaddr *>(&address), sizeof(address)) != 0
        || ::listen(listener, 1) != 0
        || ::getsockname(listener, reinterpret_cast<struct sockaddr *>(&address), &length) != 0) {
        ::close(listener);
        return false;
    }
    const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (client >= 0 && peerReceiveBuffer > 0)
        ::setsockopt(client, SOL_SOCKET, SO_RCVBUF, &peerReceiveBuffer, sizeof(int));
    // Blocking connect: on loopback the handshake completes into the listen backlog.
    if (client < 0
        || ::connect(client, reinterpret_cast<struct sockaddr *>(&address), sizeof(address)) != 0) {
        if (client >= 0)
            ::close(client);
        ::close(listener);
        return false;
    }
    const int accepted = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    ::close(listener);
    if (accepted < 0) {
        ::close(client);
        return false;
    }
    ::fcntl(client, F_SETFL, ::fcntl(client, F_GETFL) | O_NONBLOCK);
    *server = accepted;
    *peer = client;
    return true;
}

// A stream with its own coalescer over a real loopback connection, and the client's end.
struct CorkedStream
{
    CorkedStream(int serverFd, int peerFd)
        : peer(peerFd)
        , stream(serverFd, maxInputBytes, &coalescer)
    {
    }
    Peer peer;
    WriteCoalescer coalescer;
    RawStreamConnection stream;
};

std::unique_ptr<CorkedStream> openCorkedStream(int serverSendBuffer = 0, int peerReceiveBuffer = 0)
{
    int serverFd = -1;
    int peerFd = -1;
    if (!connectedPair(&serverFd, &peerFd, serverSendBuffer, peerReceiveBuffer))
        return nullptr;
    return std::make_unique<CorkedStream>(serverFd, peerFd);
}

// Both ends of a loopback connection, read by the test itself (no stream on the server end).
struct PeerPair
{
    PeerPair(int serverFd, int clientFd)
        : server(serverFd)
        , client(clientFd)
    {
    }
    Peer server;
    Peer client;
};

std::unique_ptr<PeerPair> openPeerPair()
{
    int serverFd = -1;
    int clientFd = -1;
    if (!connectedPair(&serverFd, &clientFd))
        return nullptr;
    return std::make_unique<PeerPair>(serverFd, clientFd);
}

// 4-byte big-endian counters 0, 1, 2, ... from byte offset `from` (a multiple of 4).
QByteArray counterPattern(qint64 from, int bytes)
{
    QByteArray out(bytes, Qt::Uninitialized);
    for (int i = 0; i < bytes; i += 4) {
        const quint32 value = quint32((from + i) / 4);
        out[i] = char(value >> 24);
        out[i + 1] = char(value >> 16);
        out[i + 2] = char(value >> 8);
        out[i + 3] = char(value);
    }
    return out;
}

} // namespace

class tst_WriteCoalescer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void dispatcher();
    void writesOfOnePassLeaveInOneSend();
    void pastCorkBytesSendsAtOnce();
    void writtenDuringFlushGoesOutAtOnce();
    void writesOutsideACorkedPassGoOutAtOnce();
    void peerThatDoesNotReadKeepsTheQueue();
    void closeAfterFlushSendsCorkedBytesThenEof();
    void streamDestroyedWhileScheduled();
    void streamAbortedWhileScheduled();
    void coalescerDestroyedBeforeItsStream();
    void corkEndsWithTheDescriptorsHandling();
    void divertedReadsGoToTheHandler();
    void divertedReadsEndWithANewNotifierOrTheOwner();
};

void tst_WriteCoalescer::dispatcher()
{
    // The binary tests what it says it tests: the coalescer's two ways of learning that a
    // pass ended.
    auto *epoll = qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
#ifdef SSEBUF_TEST_EPOLL
    QVERIFY(epoll);
#else
    QVERIFY(!epoll);
#endif
}

void tst_WriteCoalescer::writesOfOnePassLeaveInOneSend()
{
    const auto pair = openCorkedStream();
    QVERIFY(pair);
    auto &[peer, coalescer, stream] = *pair;
    QSignalSpy written(&stream, &StreamConnection::bytesWritten);
    QSignalSpy closed(&stream, &StreamConnection::closed);

    const QByteArray first = "retry: 3000\n\n";
    const QByteArray second = "id: 1\ndata: {\"seq\":1}\n\n";
    const QByteArray third = "id: 2\ndata: {\"seq\":2,\"final\":true}\n\n";
    const qint64 total = first.size() + second.size() + third.size();
    const quint64 callsBefore = coalescer.sendCalls();
    coalescer.corkThisPass(); // a pass that brings several events at once
    QVERIFY(coalescer.isCorked());
    stream.write(first);
    stream.write(second);
    stream.write(third);
    // Corked: nothing was sent, nothing reached the peer. Corked bytes are not unsent
    // bytes (nothing was offered to the kernel yet).
    QCOMPARE(stream.unsentBytes(), qint64(0));
    QCOMPARE(coalescer.sendCalls(), callsBefore);
    QCOMPARE(peer.pending(), 0);
    QCOMPARE(written.count(), 0);

    // The pass ends: one sendmsg with the three chunks.
    QTRY_COMPARE_WITH_TIMEOUT(peer.pending(), int(total), 5000);
    peer.drain();
    QCOMPARE(peer.received(), first + second + third);
    QCOMPARE(stream.unsentBytes(), qint64(0));
    QCOMPARE(written.count(), 1);
    QCOMPARE(coalescer.sendCalls(), callsBefore + 1);
    QVERIFY(stream.isOpen());
    QCOMPARE(closed.count(), 0);

    // The cork ended with the pass. Another corked pass: one more call.
    QVERIFY(!coalescer.isCorked());
    coalescer.corkThisPass();
    stream.write(second);
    QCOMPARE(peer.pending(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(peer.pending(), int(second.size()), 5000);
    peer.drain();
    QCOMPARE(peer.received(), first + second + third + second);
    QCOMPARE(written.count(), 2);
    QCOMPARE(coalescer.sendCalls(), callsBefore + 2);
}

void tst_WriteCoalescer::pastCorkBytesSendsAtOnce()
{
    const auto pair = openCorkedStream();
    QVERIFY(pair);
    auto &[peer, coalescer, stream] = *pair;
    QSignalSpy written(&stream, &StreamConnection::bytesWritten);

    // Under corkBytes: corked.
    coalescer.corkThisPass();
    const QByteArray small = counterPattern(0, 40 * 1024);
    stream.write(small);
    QCOMPARE(stream.unsentBytes(), qint64(0));
    QCOMPARE(coalescer.sendCalls(), quint64(0));
    QCOMPARE(peer.pending(), 0);

    // Past corkBytes queued: this write sends everything queued at once, inside write(),
    // and does not emit bytesWritten (the writer would be re-entered).
    const QByteArray large = counterPattern(small.size(), 40 * 1024);
    const qint64 total = small.size() + large.size();
    QVERIFY(total >= RawStreamConnection::corkBytes);
    stream.write(large);
    QVERIFY(coalescer.sendCalls() >= 1);
    QVERIFY2(stream.unsentBytes() < total, qPrintable(QString::number(stream.unsentBytes())));
    QCOMPARE(written.count(), 0);
    // The peer has bytes without the test's event loop having run.
    QVERIFY(peer.waitReadable(5000));
    QVERIFY(peer.pending() > 0);

    QTRY_COMPARE_WITH_TIMEOUT((peer.drain(), peer.received().size()), qsizetype(total), 5000);
    QCOMPARE(peer.received(), small + large);
    QCOMPARE(stream.unsentBytes(), qint64(0));
    QVERIFY(stream.isOpen());
}

void tst_WriteCoalescer::writtenDuringFlushGoesOutAtOnce()
{
    // A writer that writes again on bytesWritten (a replay slice) while the coalescer
    // flushes: the flush ended the cork, so the new bytes are sent at once, from inside
    // the flush, and no second bytesWritten follows (write() never emits it).
    const auto pair = openCorkedStream();
    QVERIFY(pair);
    Peer &peer = pair->peer;
    WriteCoalescer &coalescer = pair->coalescer;
    RawStreamConnection &stream = pair->stream;
    const QByteArray first = "id: 1\ndata: one\n\n";
    const QByteArray second = "id: 2\ndata: two\n\n";
    int handled = 0;
    connect(&stream, &StreamConnection::bytesWritten, this, [&] {
        if (++handled == 1) {
            QVERIFY(!coalescer.isCorked());
            stream.write(second);
            QCOMPARE(coalescer.sendCalls(), quint64(2));
        }
    });
    coalescer.corkThisPass();
    stream.write(first);
    QCOMPARE(coalescer.sendCalls(), quint64(0));
    QTRY_COMPARE_WITH_TIMEOUT((peer.drain(), peer.received()), first + second, 5000);
    QCOMPARE(handled, 1);
    QCOMPARE(coalescer.sendCalls(), quint64(2));
    QCOMPARE(stream.unsentBytes(), qint64(0));
}

void tst_WriteCoalescer::writesOutsideACorkedPassGoOutAtOnce()
{
    // A lone event is not held back: without corkThisPass() every write is one send(2),
    // made inside write(), before the loop runs again.
    const auto pair = openCorkedStream();
    QVERIFY(pair);
    auto &[peer, coalescer, stream] = *pair;
    QSignalSpy written(&stream, &StreamConnection::bytesWritten);
    const QByteArray first = "id: 1\ndata: one\n\n";
    const QByteArray second = "id: 2\ndata: two\n\n";
    QVERIFY(!coalescer.isCorked());
    stream.write(first);
    QCOMPARE(coalescer.sendCalls(), quint64(1));
    QVERIFY(peer.waitReadable(5000));
    stream.write(second);
    QCOMPARE(coalescer.sendCalls(), quint64(2));
    QTRY_COMPARE_WITH_TIMEOUT((peer.drain(), peer.received()), first + second, 5000);
    QCOMPARE(stream.unsentBytes(), qint64(0));
    QCOMPARE(written.count(), 0);
}

void tst_WriteCoalescer::peerThatDoesNotReadKeepsTheQueue()
{
    const auto pair = openCorkedStream(32 * 1024, 32 * 1024);
    QVERIFY(pair);
    auto &[peer, coalescer, stream] = *pair;
    QSignalSpy written(&stream, &StreamConnection::bytesWritten);
    QSignalSpy closed(&stream, &StreamConnection::closed);

    // 4 MiB in chunks of 16 KiB (some corked, some sent at once past corkBytes), far more
    // than the two small socket buffers hold.
    const int chunk = 16 * 1024;
    const qint64 total = 4 * 1024 * 1024;
    coalescer.corkThisPass();
    for (qint64 offset = 0; offset < total; offset += chunk)
        stream.write(counterPattern(offset, chunk));
    // Let passes run (flushes, write notifiers) while the peer does not read: once the
    // kernel's buffers are full, the rest stays queued.
    QTRY_VERIFY_WITH_TIMEOUT(peer.pending() > 0, 5000);
    QCoreApplication::processEvents();
    QVERIFY2(stream.unsentBytes() > total / 2, qPrintable(QString::number(stream.unsentBytes())));
    QVERIFY(stream.isOpen());

    // The peer reads whenever its end is readable; the write notifier sends the rest.
    QSocketNotifier reader(peer.fd(), QSocketNotifier::Read);
    connect(&reader, &QSocketNotifier::activated, this, [&peer] { peer.drain(); });
    QTRY_COMPARE_WITH_TIMEOUT(peer.received().size(), qsizetype(total), 30000);
    QCOMPARE(stream.unsentBytes(), qint64(0));
    QVERIFY(peer.received() == counterPattern(0, int(total)));
    QVERIFY(written.count() >= 1);
    QVERIFY(coalescer.sendCalls() >= 2);
    QCOMPARE(closed.count(), 0);
    QVERIFY(stream.isOpen());
}

void tst_WriteCoalescer::closeAfterFlushSendsCorkedBytesThenEof()
{
    const auto pair = openCorkedStream();
    QVERIFY(pair);
    auto &[peer, coalescer, stream] = *pair;
    QSignalSpy closed(&stream, &StreamConnection::closed);

    const QByteArray first = "id: 1\ndata: {\"seq\":1}\n\n";
    const QByteArray last = "id: 2\ndata: {\"seq\":2,\"final\":true}\n\n";
    coalescer.corkThisPass();
    stream.write(first);
    stream.write(last);
    stream.closeAfterFlush();
    // Still corked; what is written after closeAfterFlush() is ignored.
    QCOMPARE(peer.pending(), 0);
    stream.write("late");
    QCOMPARE(stream.unsentBytes(), qint64(0));
    QCOMPARE(closed.count(), 0);

    // The peer reads every corked byte, then the end of the stream.
    QTRY_VERIFY_WITH_TIMEOUT((peer.drain(), peer.sawEof()), 5000);
    QCOMPARE(peer.received(), first + last);
    QCOMPARE(peer.error(), 0);
    QCOMPARE(coalescer.sendCalls(), quint64(1));
    // The stream keeps reading until the client closes its end; then it is closed, once.
    peer.close();
    QVERIFY(closed.count() == 1 || closed.wait(10000));
    QCOMPARE(closed.count(), 1);
    QVERIFY(!stream.isOpen());
    QCoreApplication::processEvents();
    QCOMPARE(closed.count(), 1);
}

void tst_WriteCoalescer::streamDestroyedWhileScheduled()
{
    // Two streams scheduled in one pass; one is destroyed before the pass ends. The flush
    // sends the other's bytes and never touches the destroyed one.
    int serverA = -1;
    int peerA = -1;
    int serverB = -1;
    int peerB = -1;
    QVERIFY(connectedPair(&serverA, &peerA));
    QVERIFY(connectedPair(&serverB, &peerB));
    Peer gone(peerA);
    Peer alive(peerB);
    WriteCoalescer coalescer;
    auto *doomed = new RawStreamConnection(serverA, maxInputBytes, &coalescer);
    RawStreamConnection survivor(serverB, maxInputBytes, &coalescer);
    coalescer.corkThisPass();
    doomed->write("corked for a stream that goes away\n");
    survivor.write("first\n");
    survivor.write("second\n");
    delete doomed;

    QTRY_COMPARE_WITH_TIMEOUT((alive.drain(), alive.received()), QByteArray("first\nsecond\n"),
                              5000);
    QCOMPARE(coalescer.sendCalls(), quint64(1)); // the survivor's only
    QCOMPARE(survivor.unsentBytes(), qint64(0));
    // The destroyed stream's connection ended without its corked bytes.
    QTRY_VERIFY_WITH_TIMEOUT((gone.drain(), gone.sawEof() || gone.error() != 0), 5000);
    QCOMPARE(gone.received(), QByteArray());

    // The coalescer goes on working for the survivor.
    coalescer.corkThisPass();
    survivor.write("third\n");
    QTRY_COMPARE_WITH_TIMEOUT((alive.drain(), alive.received()),
                              QByteArray("first\nsecond\nthird\n"), 5000);
    QCOMPARE(coalescer.sendCalls(), quint64(2));
}

void tst_WriteCoalescer::streamAbortedWhileScheduled()
{
    // abort() with corked bytes: the connection is reset at once, the corked bytes never
    // leave, closed() comes once, and the scheduled flush skips the stream.
    int serverFd = -1;
    int peerFd = -1;
    int otherServer = -1;
    int otherPeerFd = -1;
    QVERIFY(connectedPair(&serverFd, &peerFd));
    QVERIFY(connectedPair(&otherServer, &otherPeerFd));
    Peer peer(peerFd);
    Peer otherPeer(otherPeerFd);
    WriteCoalescer coalescer;
    RawStreamConnection stream(serverFd, maxInputBytes, &coalescer);
    RawStreamConnection other(otherServer, maxInputBytes, &coalescer);
    QSignalSpy closed(&stream, &StreamConnection::closed);
    QSignalSpy written(&stream, &StreamConnection::bytesWritten);

    coalescer.corkThisPass();
    stream.write("id: 1\ndata: corked\n\n");
    stream.write("id: 2\ndata: corked\n\n");
    other.write("kept\n");
    stream.abort();
    QCOMPARE(closed.count(), 1);
    QVERIFY(!stream.isOpen());
    QCOMPARE(stream.unsentBytes(), qint64(0));

    // The peer sees the reset (or an end of stream), and none of the corked bytes.
    QVERIFY(peer.waitReadable(5000));
    peer.drain();
    QVERIFY2(peer.error() == ECONNRESET || peer.sawEof(),
             qPrintable(QString::number(peer.error())));
    QCOMPARE(peer.received(), QByteArray());

    // The pass ends: only the other stream is flushed.
    QTRY_COMPARE_WITH_TIMEOUT((otherPeer.drain(), otherPeer.received()), QByteArray("kept\n"),
                              5000);
    QCOMPARE(coalescer.sendCalls(), quint64(1));
    QCOMPARE(closed.count(), 1);
    QCOMPARE(written.count(), 0);
    // Writing to or aborting an aborted stream does nothing.
    stream.write("after\n");
    stream.abort();
    QCOMPARE(stream.unsentBytes(), qint64(0));
    QCOMPARE(closed.count(), 1);
}

void tst_WriteCoalescer::coalescerDestroyedBeforeItsStream()
{
    int serverFd = -1;
    int peerFd = -1;
    QVERIFY(connectedPair(&serverFd, &peerFd));
    Peer peer(peerFd);
    auto coalescer = std::make_unique<WriteCoalescer>();
    RawStreamConnection stream(serverFd, maxInputBytes, coalescer.get());
    QSignalSpy closed(&stream, &StreamConnection::closed);

    // Scheduled, then the coalescer goes (a queued flush, if one was posted, dies with it).
    coalescer->corkThisPass();
    stream.write("corked\n");
    coalescer.reset();
    QCoreApplication::processEvents();
    QCOMPARE(peer.pending(), 0);
    QCOMPARE(stream.unsentBytes(), qint64(0)); // still corked, not offered to the kernel

    // Without a coalescer a write sends at once, the corked bytes first.
    stream.write("direct\n");
    QCOMPARE(stream.unsentBytes(), qint64(0));
    QTRY_COMPARE_WITH_TIMEOUT((peer.drain(), peer.received()), QByteArray("corked\ndirect\n"),
                              5000);
    stream.write("again\n");
    QTRY_COMPARE_WITH_TIMEOUT((peer.drain(), peer.received()),
                              QByteArray("corked\ndirect\nagain\n"), 5000);
    QVERIFY(stream.isOpen());
    QCOMPARE(closed.count(), 0);
}

void tst_WriteCoalescer::corkEndsWithTheDescriptorsHandling()
{
#ifndef SSEBUF_TEST_EPOLL
    QSKIP("on Qt's dispatcher a queued call ends the cork (the pass)");
#else
    // Two descriptors ready in the same pass: the writes corked while the first is handled
    // leave when its handling ends, before the second is handled (they do not wait for the
    // end of the pass, behind every other ready connection).
    const auto pair = openCorkedStream();
    QVERIFY(pair);
    auto &[peer, coalescer, stream] = *pair;
    int fds[4];
    QVERIFY(connectedPair(&fds[0], &fds[1]));
    QVERIFY(connectedPair(&fds[2], &fds[3]));
    Peer inA(fds[0]), outA(fds[1]), inB(fds[2]), outB(fds[3]);
    QSocketNotifier a(inA.fd(), QSocketNotifier::Read);
    QSocketNotifier b(inB.fd(), QSocketNotifier::Read);
    const QByteArray event = "id: 1\ndata: {\"seq\":1}\n\n";
    const QSocketNotifier *first = nullptr;
    int handled = 0;
    int pendingWhileCorked = -1;
    int pendingAtSecond = -1;
    const auto onReady = [&](const QSocketNotifier *notifier, Peer &in) {
        in.drain();
        ++handled;
        if (!first) {
            first = notifier;
            coalescer.corkThisPass();
            stream.write(event);
            pendingWhileCorked = peer.pending();
        } else {
            pendingAtSecond = peer.pending();
        }
    };
    connect(&a, &QSocketNotifier::activated, this, [&] { onReady(&a, inA); });
    connect(&b, &QSocketNotifier::activated, this, [&] { onReady(&b, inB); });
    // Both readable before the loop runs again (loopback delivers within send()).
    QCOMPARE(::send(outA.fd(), "a", 1, 0), ssize_t(1));
    QCOMPARE(::send(outB.fd(), "b", 1, 0), ssize_t(1));
    QTRY_COMPARE_WITH_TIMEOUT(handled, 2, 5000);
    QCOMPARE(pendingWhileCorked, 0);
    QCOMPARE(pendingAtSecond, int(event.size()));
    QVERIFY(!coalescer.isCorked());
#endif
}

void tst_WriteCoalescer::divertedReadsGoToTheHandler()
{
#ifndef SSEBUF_TEST_EPOLL
    QSKIP("divertReads() is the EpollEventDispatcher's");
#else
    auto *dispatcher = qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
    QVERIFY(dispatcher);
    const std::unique_ptr<PeerPair> pair = openPeerPair();
    QVERIFY(pair);
    Peer &server = pair->server;
    Peer &client = pair->client;
    // A sentinel connection: once its notifier fired, the loop has run a pass with
    // everything written before it ready.
    const std::unique_ptr<PeerPair> sentinelPair = openPeerPair();
    QVERIFY(sentinelPair);
    Peer &sentinelServer = sentinelPair->server;
    Peer &sentinelClient = sentinelPair->client;
    QSocketNotifier sentinel(sentinelServer.fd(), QSocketNotifier::Read);
    int sentinelFired = 0;
    connect(&sentinel, &QSocketNotifier::activated, this, [&] {
        sentinelServer.drain();
        ++sentinelFired;
    });

    QSocketNotifier notifier(server.fd(), QSocketNotifier::Read);
    int notified = 0;
    connect(&notifier, &QSocketNotifier::activated, this, [&] {
        server.drain();
        ++notified;
    });
    QObject owner;
    int handlerCalls = 0;
    QCOMPARE(dispatcher->divertReads(-5, &owner, [] {}), false); // no read notifier there
    QVERIFY(dispatcher->divertReads(server.fd(), &owner, [&] {
        ++handlerCalls;
        server.drain();
    }));

    // Off at first: the bytes wait in the kernel, neither the handler nor Qt's notifier runs.
    QCOMPARE(::send(client.fd(), "abc", 3, 0), ssize_t(3));
    QCOMPARE(::send(sentinelClient.fd(), "s", 1, 0), ssize_t(1));
    QTRY_COMPARE_WITH_TIMEOUT(sentinelFired, 1, 5000);
    QCOMPARE(handlerCalls, 0);
    QCOMPARE(notified, 0);
    QCOMPARE(server.pending(), 3);

    // On: the handler reads them; Qt's notifier still never runs.
    dispatcher->setDivertedReadsEnabled(server.fd(), &owner, true);
    QTRY_COMPARE_WITH_TIMEOUT(server.received(), QByteArray("abc"), 5000);
    QCOMPARE(::send(client.fd(), "def", 3, 0), ssize_t(3));
    QTRY_COMPARE_WITH_TIMEOUT(server.received(), QByteArray("abcdef"), 5000);
    QVERIFY(handlerCalls >= 2);
    QCOMPARE(notified, 0);

    // Another owner cannot switch it off or end it.
    QObject stranger;
    dispatcher->setDivertedReadsEnabled(server.fd(), &stranger, false);
    dispatcher->endDivertedReads(server.fd(), &stranger);
    QCOMPARE(::send(client.fd(), "g", 1, 0), ssize_t(1));
    QTRY_COMPARE_WITH_TIMEOUT(server.received(), QByteArray("abcdefg"), 5000);
    QCOMPARE(notified, 0);

    // Ended: Qt's notifier gets the descriptor again, the handler no more.
    const int callsBefore = handlerCalls;
    dispatcher->endDivertedReads(server.fd(), &owner);
    QCOMPARE(::send(client.fd(), "h", 1, 0), ssize_t(1));
    QTRY_COMPARE_WITH_TIMEOUT(notified, 1, 5000);
    QCOMPARE(server.received(), QByteArray("abcdefgh"));
    QCOMPARE(handlerCalls, callsBefore);
#endif
}

void tst_WriteCoalescer::divertedReadsEndWithANewNotifierOrTheOwner()
{
#ifndef SSEBUF_TEST_EPOLL
    QSKIP("divertReads() is the EpollEventDispatcher's");
#else
    auto *dispatcher = qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
    QVERIFY(dispatcher);
    const std::unique_ptr<PeerPair> pair = openPeerPair();
    QVERIFY(pair);
    Peer &server = pair->server;
    Peer &client = pair->client;
    int handlerCalls = 0;
    int notified = 0;

    // A new read notifier on the descriptor (its number closed and reused, as the
    // dispatcher sees it) ends the diversion.
    auto notifier = std::make_unique<QSocketNotifier>(server.fd(), QSocketNotifier::Read);
    QObject owner;
    QVERIFY(dispatcher->divertReads(server.fd(), &owner, [&] {
        ++handlerCalls;
        server.drain();
    }));
    dispatcher->setDivertedReadsEnabled(server.fd(), &owner, true);
    notifier.reset();
    QSocketNotifier reused(server.fd(), QSocketNotifier::Read);
    connect(&reused, &QSocketNotifier::activated, this, [&] {
        server.drain();
        ++notified;
    });
    QCOMPARE(::send(client.fd(), "a", 1, 0), ssize_t(1));
    QTRY_COMPARE_WITH_TIMEOUT(notified, 1, 5000);
    QCOMPARE(handlerCalls, 0);

    // An owner that is gone ends it too.
    {
        QObject shortLived;
        QVERIFY(dispatcher->divertReads(server.fd(), &shortLived, [&] {
            ++handlerCalls;
            server.drain();
        }));
        dispatcher->setDivertedReadsEnabled(server.fd(), &shortLived, true);
    }
    QCOMPARE(::send(client.fd(), "b", 1, 0), ssize_t(1));
    QTRY_COMPARE_WITH_TIMEOUT(notified, 2, 5000);
    QCOMPARE(handlerCalls, 0);
    QCOMPARE(server.received(), QByteArray("ab"));
#endif
}

#ifdef SSEBUF_TEST_EPOLL
int main(int argc, char *argv[])
{
    // As ssebufd does (service/main.cpp): the dispatcher before the application object.
    auto *dispatcher = new EpollEventDispatcher;
    if (!dispatcher->isValid()) {
        std::fprintf(stderr, "epoll event dispatcher unavailable\n");
        return 1;
    }
    QCoreApplication::setEventDispatcher(dispatcher);
    QCoreApplication app(argc, argv);
    QTEST_SET_MAIN_SOURCE_PATH
    tst_WriteCoalescer test;
    return QTest::qExec(&test, argc, argv);
}
#else
QTEST_GUILESS_MAIN(tst_WriteCoalescer)
#endif
#include "tst_writecoalescer.moc"
