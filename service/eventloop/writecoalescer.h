#ifndef SSEBUF_WRITECOALESCER_H
#define SSEBUF_WRITECOALESCER_H

#include <QObject>
#include <QPointer>

#include <vector>

namespace ssebuf {

class EpollEventDispatcher;

// Something that queues its writes while the coalescer is corked and sends them in one go
// when asked (RawStreamConnection: one sendmsg(2) of everything queued).
class CorkedWriter
{
public:
    virtual void flushCorked() = 0;

protected:
    ~CorkedWriter() = default;
};

// Corks event streams for the rest of one unit of work of the event loop, when it is known
// to bring several events at once: a batch of pipelined publish requests read together,
// a producer's lines read at once, Redis notifications. While corked, a stream written to
// queues its bytes and is flushed once, with one system call, when the unit ends — several
// events of a session cost one send per subscriber instead of one per event. Outside such
// units streams send at once (a lone event is not held back at all). On the
// EpollEventDispatcher a unit is the handling of one ready descriptor or timer
// (activationDone()), or the posted events of a pass (aboutToPoll()): the events of one
// connection are not held behind the other descriptors that are ready in the same pass (with
// hundreds of them the pass is long). On another dispatcher a queued call flushes.
class WriteCoalescer : public QObject
{
    Q_OBJECT
public:
    explicit WriteCoalescer(QObject *parent = nullptr);

    // Writes from now to the end of this unit of work (see above) are corked.
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
    // Flushes when the descriptor (or timer) being handled is done, and at the end of every
    // pass (posted events); null on another dispatcher.
    QPointer<EpollEventDispatcher> m_dispatcher;
    bool m_corked = false;
    bool m_flushPosted = false;
    quint64 m_sendCalls = 0;
};

} // namespace ssebuf

#endif
