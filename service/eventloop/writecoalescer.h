#ifndef SSEBUF_WRITECOALESCER_H
#define SSEBUF_WRITECOALESCER_H

#include <QObject>

#include <vector>

namespace ssebuf {

// Something that queues its writes while the coalescer is corked and sends them in one go
// when asked (RawStreamConnection: one sendmsg(2) of everything queued).
class CorkedWriter
{
public:
    virtual void flushCorked() = 0;

protected:
    ~CorkedWriter() = default;
};

// Corks event streams for the rest of one pass of the event loop, when the pass is known
// to bring several events at once: a batch of pipelined publish requests read together,
// a producer's lines read at once, Redis notifications. While corked, a stream written to
// queues its bytes and is flushed once, with one system call, when the pass ends — several
// events of a session cost one send per subscriber instead of one per event. Outside such
// passes streams send at once (a lone event is not held back at all). The end of a pass is
// the EpollEventDispatcher's aboutToPoll(); on another dispatcher a queued call flushes.
class WriteCoalescer : public QObject
{
    Q_OBJECT
public:
    explicit WriteCoalescer(QObject *parent = nullptr);

    // Writes from now to the end of this pass are corked.
    void corkThisPass();
    bool isCorked() const { return m_corked; }

    // The writer queued bytes while corked; flush() will ask it to send them.
    void schedule(CorkedWriter *writer);
    // The writer is going away before its flush.
    void cancel(CorkedWriter *writer);
    // Ends the cork and sends what every scheduled writer queued.
    void flush();

    // sendmsg(2) calls that carried event-stream bytes, by every stream of this coalescer.
    void countSendCall() { ++m_sendCalls; }
    quint64 sendCalls() const { return m_sendCalls; }

private:
    void postFlush();

    std::vector<CorkedWriter *> m_scheduled;
    std::vector<CorkedWriter *> m_flushing;
    bool m_hooked = false; // flushed by the dispatcher at the end of every pass
    bool m_corked = false;
    bool m_flushPosted = false;
    quint64 m_sendCalls = 0;
};

} // namespace ssebuf

#endif
