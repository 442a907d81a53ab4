#ifndef SSEBUF_FASTEVENTDECODER_H
#define SSEBUF_FASTEVENTDECODER_H

#include "publishservice.h"

#include <QByteArrayView>
#include <QList>

#include <optional>

namespace ssebuf {

// The common publish body decoded with rapidjson instead of QJsonDocument and QJsonObject:
// one event object, or a batch array of 1..maxBatchEvents of them, every event valid, all in
// ASCII, no "data" or "idempotency_key" field, no nested value, no repeated key, progress an
// integer literal. Anything else (every error included) is not decided here: nothing is
// returned and the caller takes the QJsonDocument path, which gives the answer it always
// gave. So this decoder only ever accepts what EventDraft::fromJson accepts, with the same
// drafts.
struct FastEventDecoder
{
    static std::optional<QList<PublishEvent>> decode(QByteArrayView body, int maxBatchEvents,
                                                     bool *isBatch);
    // One NDJSON line: one event object (no batch).
    static std::optional<PublishEvent> decodeOne(QByteArrayView line);
};

} // namespace ssebuf

#endif
