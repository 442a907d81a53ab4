#ifndef SSEBUF_CONNECTIONGUARD_H
#define SSEBUF_CONNECTIONGUARD_H

#include "connectioncounter.h"
#include "eventloop/epolleventdispatcher.h"
#include "eventloop/writecoalescer.h"
#include "fastrequestpath.h"
#include "httplimits.h"
#include "streamedrequestbody.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include <deque>
#include <memory>

namespace ssebuf {

class ResponseSequencer;

// Watches the bytes of one connection before QtHttpServer parses them, and enforces
// HttpLimits: header size (431), body size (413, answered before the body is read), slow
// heads and requests whose head and body do not complete in time (408), idle keep-alive
// connections, and bytes sent on an open event stream.
//
// Its readyRead slot is connected before QtHttpServer's, so it sees every byte first
// (with peek(): the server's reading is left untouched). QtHttpServer reads one request per
// readyRead and emits readyRead again (queued) for pipelined ones, so the guard remembers
// how many buffered bytes it has already seen: a second slot, connected after the server's
// (attachAfterServer()), and each answered request note what is left unread. When it rejects a
// request it unhooks the server from the socket, answers, half-closes and discards what follows up
// to a bound, so the client reads the answer instead of a reset.
class ConnectionGuard : public QObject
{
    Q_OBJECT
public:
    struct RequestInfo
    {
        bool closeAfterResponse = false; // "Connection: close" or HTTP/1.0
    };

    ConnectionGuard(QTcpSocket *socket, const HttpLimits &limits);
    ~ConnectionGuard() override;

    // The QtHttpServer that reads this socket, to unhook it on rejection or streaming.
    void setHttpServer(QObject *server) { m_server = server; }
    // Corked while a read that brings several complete requests (a burst) is handled.
    void setWriteCoalescer(WriteCoalescer *coalescer) { m_coalescer = coalescer; }
    // Counts the requests the guard takes (ssebuf_http_fast_path_requests_total) and the reads
    // taken straight off the descriptor (ssebuf_http_direct_reads_total).
    void setConnectionCounter(ConnectionCounter *counter) { m_counter = counter; }
    // Called when a handler takes the connection over for an event stream: the server no
    // longer reads it and the guard discards input (up to maxStreamInputBytes).
    void beginStreaming();
    bool isStreaming() const { return m_state == State::Streaming; }
    // Information about the oldest request head not yet answered. Called by the front end
    // when QtHttpServer hands it a complete request.
    RequestInfo takeRequestInfo();
    // Connects the slot that runs after QtHttpServer's readyRead slot: call once the server
    // has taken the socket and before its first readyRead.
    void attachAfterServer();

    static ConnectionGuard *of(QTcpSocket *socket);
    // The socket's ResponseSequencer, looked up once (HttpExchange gets it from here).
    ResponseSequencer *sequencer();

    // Requests whose body is streamed (StreamedRequestBody::isStreamedMediaType) go to this
    // handler once their head is seen, instead of to QtHttpServer.
    void setStreamedRequestHandler(const StreamedRequestHandler &handler)
    {
        m_streamedHandler = handler;
    }
    // Requests of the hot route (FastRequestPath) go to this handler when the guard sees them
    // complete and QtHttpServer holds no part of a request: the guard reads them off the
    // socket, and QtHttpServer never sees them.
    void setFastRequestHandler(const FastRequestPath::Handler &handler);
    // Answers a request the guard took over (a streamed body), then half-closes and drains
    // the connection as for a rejection.
    void answerAndClose(const QByteArray &response);

Q_SIGNALS:
    void requestRejected(int status);

private:
    enum class State {
        Head,
        Body,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailers,
        Rejected,
        Streaming
    };

    void socket_readyRead();
    void socket_readyReadHandled();
    void socket_bytesWritten();
    void headTimer_timeout();
    void requestTimer_timeout();
    void idleTimer_timeout();
    void noteActivity(); // a read or a write: the connection is not idle
    void consume(const char *data, qsizetype size);
    // Takes what is left of the body (or chunk) from data at pos; true once it is all in.
    bool takeBodyBytes(const char *data, qsizetype size, qsizetype &pos);
    bool parseHead();
    void requestComplete(); // the last byte of a request's body
    void reject(int status, const char *code, const char *message);
    void detachServer();
    void discardInput();
    friend class StreamedRequestBody;
    void beginStreamedBody();
    void announceStreamedBody();
    void readStreamedBody();
    // A streamed body is read straight off the descriptor (EpollEventDispatcher::divertReads)
    // when the loop runs on that dispatcher and the socket is plain TCP; Qt's socket takes the
    // descriptor back for what follows the body, a hang-up or an error.
    void divertStreamedReads();
    // Diverts this socket's reads to onReadable; false when they stay with Qt's socket (TLS,
    // bytes buffered there, another event dispatcher).
    bool divertReadsTo(std::function<void()> onReadable);
    void updateDivertedReads();
    void endDivertedReads();
    void socket_disconnected();
    friend class FastRequestPath;
    bool fastPathIsOpen() const;
    // Takes the complete hot requests at the start of the buffer; false when the guard or
    // its socket went away while they were handled.
    bool takeFastRequests();
    // A connection whose reads were all hot requests so far is read off the descriptor
    // (divertReadsTo) while they stay so, one recv(2) per read instead of Qt's socket read
    // path (ioctl(FIONREAD), its buffer, readyRead to three slots). The first read that is not
    // only complete hot requests goes back into Qt's socket, and the general way handles it.
    void divertRequestReads();
    void readDirectRequests();
    // Bytes read off the descriptor that the general way must see: back at the front of Qt's
    // socket buffer (which holds nothing else: its reads were diverted), and readyRead.
    void giveBackToSocket(QByteArrayView bytes);
    // Dispatches m_fastRequests; false when the guard or its socket went away meanwhile.
    bool dispatchFastRequests();

    QPointer<QTcpSocket> m_socket;
    QPointer<QObject> m_server;
    QPointer<WriteCoalescer> m_coalescer;
    QPointer<ConnectionCounter> m_counter;
    QPointer<ResponseSequencer> m_sequencer;
    HttpLimits m_limits;
    State m_state = State::Head;
    QByteArray m_head;
    QByteArray m_line; // chunk-size and trailer lines
    qint64 m_remaining = 0; // body or chunk bytes still expected
    qint64 m_bodyBytes = 0; // of the current request
    qint64 m_discarded = 0;
    qint64 m_requestsComplete = 0; // requests whose last byte the guard has seen
    qint64 m_requestsTaken = 0; // requests QtHttpServer handed to the front end
    bool m_handlingPipeline = false;
    qint64 m_seenUnread = 0; // buffered bytes the guard has consumed but the server has not read
    std::deque<RequestInfo> m_pending;
    QTimer m_headTimer;
    QTimer m_requestTimer; // --request-timeout, from a request's first byte to its last
    QTimer m_idleTimer;
    QElapsedTimer m_lastActivity; // the last read or write (the idle timeout counts from it)
    bool m_halfClosed = false;
    StreamedRequestHandler m_streamedHandler;
    QPointer<StreamedRequestBody> m_streamedBody; // set once a streamed request's head is seen
    bool m_streamedHead = false; // the head parseHead() just read is a streamed request's
    bool m_streamedAnnounced = false;
    FastRequestPath::Handler m_fastHandler;
    std::unique_ptr<FastRequestPath> m_fastPath;
    std::vector<FastRequestPath::Request> m_fastRequests; // reused between reads
    QPointer<EpollEventDispatcher> m_dispatcher; // set while a streamed body's reads are diverted
    int m_divertedFd = -1;
    bool m_directRequests = false; // the diverted reads are readDirectRequests()
};

} // namespace ssebuf

#endif
