// Reference firmware: a 5-flex-sensor glove (Arduino Uno/Nano, or an ESP32) for sensor2text.
//
// Wiring: each flex sensor in a voltage divider with a 47 kOhm resistor, the midpoints on
// A0..A4 (thumb, index, middle, ring, little). It samples at 100 Hz and writes the documented
// wire format to the USB serial port at 115200 baud:
//   CSV (default): a header line "flex_0,flex_1,flex_2,flex_3,flex_4", then one line per frame
//   binary (#define S2T_BINARY): framed packets with a sequence number and a CRC
// Read it with the generic flex profile:
//   sensor2text record --stream /dev/ttyACM0 --profile flex-5 --out data/mine/train/alice1 --gestures fist count_2
//   sensor2text generate --stream /dev/ttyACM0 --checkpoint runs/mine/checkpoint [--wire binary]
// The frame-building code is glove_wire.h (plain C, tested on the host against the parser).

#include "glove_wire.h"

// #define S2T_BINARY
const uint8_t PINS[] = {A0, A1, A2, A3, A4};
const uint8_t CHANNELS = sizeof(PINS) / sizeof(PINS[0]);
const unsigned long PERIOD_US = 10000;  // 100 Hz

unsigned long next_us;
uint16_t seq = 0;

void setup() {
  Serial.begin(115200);
  while (!Serial) {}
#ifndef S2T_BINARY
  Serial.println("flex_0,flex_1,flex_2,flex_3,flex_4");
#endif
  next_us = micros();
}

void loop() {
  if ((long)(micros() - next_us) < 0) return;
  next_us += PERIOD_US;
#ifdef S2T_BINARY
  float values[CHANNELS];
  for (uint8_t i = 0; i < CHANNELS; i++) values[i] = analogRead(PINS[i]);
  uint8_t packet[S2T_PACKET_BYTES(CHANNELS)];
  size_t length = s2t_binary_frame(seq++, values, CHANNELS, packet);
  Serial.write(packet, length);
#else
  int values[CHANNELS];
  for (uint8_t i = 0; i < CHANNELS; i++) values[i] = analogRead(PINS[i]);
  char line[64];
  size_t length = s2t_csv_line(values, CHANNELS, line, sizeof(line));
  Serial.write((const uint8_t *)line, length);
#endif
}
