#ifndef SSEBUF_REDISSLOT_H
#define SSEBUF_REDISSLOT_H

#include <QByteArrayView>

namespace ssebuf {

constexpr int redisSlotCount = 16384;

// Redis Cluster's key slot: CRC16 (XMODEM) of the key, or of its hash tag (the text
// between the first '{' and the next '}', when not empty), modulo 16384. Keys of one
// session share the tag {<session id>}, so they share a slot and one script may touch
// them all.
int redisKeySlot(QByteArrayView key);
quint16 redisCrc16(QByteArrayView bytes);

} // namespace ssebuf

#endif
