/* sensor2text wire formats for a glove's firmware (Arduino, ESP32, or any C compiler).
 *
 * CSV line:   "v0,v1,...,vN-1\n"   (a header line naming the channels may come first)
 * Binary:     A5 5A | seq: uint16 LE | n: uint8 | n x float32 LE | crc: uint16 LE
 *             crc = CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over seq, n and the payload.
 *
 * Both are what `sensor2text generate --stream PORT --wire csv|binary` reads
 * (sensor2text/live/wire.py); tests/examples/test_flex_glove.py compiles this header on the
 * host and checks its packets against that parser. Plain C99, no Arduino calls.
 */
#ifndef SENSOR2TEXT_GLOVE_WIRE_H
#define SENSOR2TEXT_GLOVE_WIRE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define S2T_SYNC0 0xA5
#define S2T_SYNC1 0x5A
#define S2T_MAX_CHANNELS 64
/* sync (2) + seq (2) + n (1) + payload (4 n) + crc (2) */
#define S2T_PACKET_BYTES(n) (7 + 4 * (n))

static uint16_t s2t_crc16_ccitt(const uint8_t *data, size_t length) {
  uint16_t crc = 0xFFFF;
  for (size_t i = 0; i < length; i++) {
    crc ^= (uint16_t)data[i] << 8;
    for (int bit = 0; bit < 8; bit++) {
      crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
  }
  return crc;
}

/* Write one binary frame of n values into out (S2T_PACKET_BYTES(n) bytes); returns its length,
 * 0 when n is out of range. float is IEEE-754 binary32 little-endian on AVR, ARM and ESP32. */
static size_t s2t_binary_frame(uint16_t seq, const float *values, uint8_t n, uint8_t *out) {
  if (n == 0 || n > S2T_MAX_CHANNELS) return 0;
  out[0] = S2T_SYNC0;
  out[1] = S2T_SYNC1;
  out[2] = (uint8_t)(seq & 0xFF);
  out[3] = (uint8_t)(seq >> 8);
  out[4] = n;
  memcpy(out + 5, values, 4u * n);
  uint16_t crc = s2t_crc16_ccitt(out + 2, 3u + 4u * n);
  out[5 + 4 * n] = (uint8_t)(crc & 0xFF);
  out[6 + 4 * n] = (uint8_t)(crc >> 8);
  return S2T_PACKET_BYTES(n);
}

/* Write one CSV line of n integer readings ("512,230,801\n") into out (size bytes); returns its
 * length, 0 when it does not fit. */
static size_t s2t_csv_line(const int *values, uint8_t n, char *out, size_t size) {
  size_t used = 0;
  for (uint8_t i = 0; i < n; i++) {
    int written = snprintf(out + used, size - used, i + 1 < n ? "%d," : "%d\n", values[i]);
    if (written < 0 || (size_t)written >= size - used) return 0;
    used += (size_t)written;
  }
  return used;
}

#endif
