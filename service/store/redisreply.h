#ifndef SSEBUF_REDISREPLY_H
#define SSEBUF_REDISREPLY_H

#include <hiredis/hiredis.h>

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>

#include <cstddef>

namespace ssebuf {

// Reading hiredis replies: the text of a string, status or error reply (empty otherwise).
inline QByteArray replyText(const redisReply *reply)
{
    if (!reply
        || (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_STATUS
            && reply->type != REDIS_REPLY_ERROR))
        return {};
    return QByteArray(reply->str, int(reply->len));
}

inline bool isError(const redisReply *reply)
{
    return reply && reply->type == REDIS_REPLY_ERROR;
}

inline bool isArray(const redisReply *reply, size_t minElements = 0)
{
    return reply && reply->type == REDIS_REPLY_ARRAY && reply->elements >= minElements;
}

// More readers for the cluster store and its helpers (their own namespace, so that they
// never meet the store's private ones).
namespace redisreply {

using ssebuf::isArray;
using ssebuf::isError;

inline QByteArray text(const redisReply *reply)
{
    return replyText(reply);
}

// HGETALL's flat field/value array as a hash.
inline QHash<QByteArray, QByteArray> fields(const redisReply *reply)
{
    QHash<QByteArray, QByteArray> map;
    for (size_t i = 0; isArray(reply) && i + 1 < reply->elements; i += 2)
        map.insert(text(reply->element[i]), text(reply->element[i + 1]));
    return map;
}

// Where the value of the top-level field `name` starts in compact JSON, or -1 (strings and
// nesting are skipped, as in RedisStore).
inline qsizetype topLevelValueOffset(const QByteArray &json, const QByteArray &name)
{
    int depth = 0;
    qsizetype stringStart = -1;
    for (qsizetype i = 0; i < json.size(); ++i) {
        const char c = json.at(i);
        if (stringStart >= 0) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                if (depth == 1 && i + 1 < json.size() && json.at(i + 1) == ':'
                    && QByteArrayView(json).sliced(stringStart + 1, i - stringStart - 1) == name)
                    return i + 2;
                stringStart = -1;
            }
            continue;
        }
        if (c == '"')
            stringStart = i;
        else if (c == '{' || c == '[')
            ++depth;
        else if (c == '}' || c == ']')
            --depth;
    }
    return -1;
}

} // namespace redisreply

} // namespace ssebuf

#endif
