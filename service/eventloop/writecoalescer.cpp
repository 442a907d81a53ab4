#include "writecoalescer.h"

#include "epolleventdispatcher.h"

#include <QAbstractEventDispatcher>

#include <algorithm>

namespace ssebuf {

WriteCoalescer::WriteCoalescer(QObject *parent)
    : QObject(parent)
{
    if (auto *dispatcher
        = qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance(thread()))) {
        connect(dispatcher, &EpollEventDispatcher::aboutToPoll, this, &WriteCoalescer::flush);
        connect(dispatcher, &EpollEventDispatcher::activationDone, this, &WriteCoalescer::flush);
        m_dispatcher = dispatcher;
    }
}

void WriteCoalescer::corkThisPass()
{
    if (m_corked)
        return;
    m_corked = true;
    if (m_dispatcher)
        m_dispatcher->notifyWhenActivationDone();
    else
        postFlush();
}

void WriteCoalescer::schedule(CorkedWriter *writer)
{
    m_scheduled.push_back(writer);
}

void WriteCoalescer::cancel(CorkedWriter *writer)
{
    std::replace(m_scheduled.begin(), m_scheduled.end(), writer,
                 static_cast<CorkedWriter *>(nullptr));
    std::replace(m_flushing.begin(), m_flushing.end(), writer,
                 static_cast<CorkedWriter *>(nullptr));
}

void WriteCoalescer::flush()
{
    m_flushPosted = false;
    m_corked = false;
    if (m_scheduled.empty() || !m_flushing.empty())
        return; // nothing to do, or called again from inside a flush
    m_flushing.swap(m_scheduled);
    // Index loop: a writer's flush may emit signals that cancel later writers (nulls their
    // slots). Nothing is corked any more, so whatever they write meanwhile is sent at once.
    for (size_t i = 0; i < m_flushing.size(); ++i) {
        if (CorkedWriter *writer = m_flushing[i]) {
            m_flushing[i] = nullptr;
            writer->flushCorked();
        }
    }
    m_flushing.clear();
}

void WriteCoalescer::postFlush()
{
    if (m_flushPosted)
        return;
    m_flushPosted = true;
    QMetaObject::invokeMethod(this, &WriteCoalescer::flush, Qt::QueuedConnection);
}

} // namespace ssebuf
