#include "redisslot.h"

#include <array>

namespace ssebuf {

namespace {

constexpr std::array<quint16, 256> crcTable()
{
    std::array<quint16, 256> table {};
    for (int byte = 0; byte < 256; ++byte) {
        quint16 crc = quint16(byte << 8);
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc & 0x8000) ? quint16((crc << 1) ^ 0x1021) : quint16(crc << 1);
        table[size_t(byte)] = crc;
    }
    return table;
}

constexpr std::array<quint16, 256> table = crcTable();

} // namespace

quint16 redisCrc16(QByteArrayView bytes)
{
    quint16 crc = 0;
    for (const char c : bytes)
        crc = quint16((crc << 8) ^ table[((crc >> 8) ^ quint8(c)) & 0xff]);
    return crc;
}

int redisKeySlot(QByteArrayView key)
{
    const qsizetype open = key.indexOf('{');
    if (open >= 0) {
        const qsizetype close = key.sliced(open + 1).indexOf('}');
        if (close > 0)
            key = key.sliced(open + 1, close);
    }
    return redisCrc16(key) & (redisSlotCount - 1);
}

} // namespace ssebuf
