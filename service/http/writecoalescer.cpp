#include "writecoalescer.h"

#include "eventloop/epolleventdispatcher.h"
#include "streamconnection.h"

#include <QAbstractEventDispatcher>

#include <algorithm>

namespace ssebuf {

WriteCoalescer::WriteCoalescer(QObject *parent)
    : QObject(parent)
{
    if (auto *dispatcher
        = qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance(thread()))) {
        connect(dispatcher, &EpollEventDispatcher::aboutToPoll, this, &WriteCoalescer::flush);
        m_hooked = true;
    }
}

WriteCoalescer::~WriteCoalescer()
{
    // Streams outlive their coalescer at shutdown: they must not call back into it.
    for (RawStreamConnection *stream : m_scheduled)
        if (stream)
            stream->detachCoalescer();
    for (RawStreamConnection *stream : m_flushing)
        if (stream)
            stream->detachCoalescer();
}

void WriteCoalescer::schedule(RawStreamConnection *stream)
{
    m_scheduled.push_back(stream);
    // Written while flushing (a replay slice sent on bytesWritten): the dispatcher is
    // about to poll, so a queued call makes it come back at once rather than wait.
    if (!m_hooked || m_inFlush)
        postFlush();
}

void WriteCoalescer::cancel(RawStreamConnection *stream)
{
    std::replace(m_scheduled.begin(), m_scheduled.end(), stream,
                 static_cast<RawStreamConnection *>(nullptr));
    std::replace(m_flushing.begin(), m_flushing.end(), stream,
                 static_cast<RawStreamConnection *>(nullptr));
}

void WriteCoalescer::flush()
{
    m_flushPosted = false;
    if (m_inFlush || m_scheduled.empty())
        return;
    m_inFlush = true;
    m_flushing.swap(m_scheduled);
    // Index loop: a stream's flush may emit signals that cancel later streams (nulls
    // their slots) or schedule others (into m_scheduled, for the next flush).
    for (size_t i = 0; i < m_flushing.size(); ++i) {
        if (RawStreamConnection *stream = m_flushing[i]) {
            m_flushing[i] = nullptr;
            stream->flushCorked();
        }
    }
    m_flushing.clear();
    m_inFlush = false;
}

void WriteCoalescer::postFlush()
{
    if (m_flushPosted)
        return;
    m_flushPosted = true;
    QMetaObject::invokeMethod(this, &WriteCoalescer::flush, Qt::QueuedConnection);
}

} // namespace ssebuf
