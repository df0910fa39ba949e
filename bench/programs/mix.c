// Benchmark: a CoreMark-like mix - linked-list walk, small matrix multiply, a state machine over
// a string, and CRC-16 updates, repeated.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct Node { struct Node* next; int32_t value; } Node;

static uint16_t Crc16(uint16_t crc, uint8_t data) {
  for (int i = 0; i < 8; ++i) {
    const int mix = (crc ^ data) & 1;
    crc >>= 1;
    if (mix) crc ^= 0xA001;
    data >>= 1;
  }
  return crc;
}

int main(void) {
  static Node nodes[1000];
  for (int i = 0; i < 1000; ++i) {
    nodes[i].next = &nodes[(i * 7 + 3) % 1000];
    nodes[i].value = (i * 2654435761u) >> 20;
  }
  int32_t ma[10][10], mb[10][10], mc[10][10];
  for (int i = 0; i < 10; ++i)
    for (int j = 0; j < 10; ++j) ma[i][j] = i + j, mb[i][j] = i - j;
  const char* text = "5012,1234,-874,+122,3.14e2,0x1F,,99,abc,-0,7777777";
  uint16_t crc = 0;
  int64_t acc = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    Node* n = &nodes[iter % 1000];
    for (int k = 0; k < 200; ++k) { acc += n->value; n = n->next; }
    for (int i = 0; i < 10; ++i)
      for (int j = 0; j < 10; ++j) {
        int32_t s = 0;
        for (int k = 0; k < 10; ++k) s += ma[i][k] * mb[k][j];
        mc[i][j] = s + iter;
      }
    int state = 0, numbers = 0;
    for (const char* p = text; *p; ++p) {
      const char c = *p;
      if (c == ',') { numbers += state == 1; state = 0; }
      else if (c >= '0' && c <= '9') state = state == 0 || state == 1 ? 1 : 2;
      else if ((c == '-' || c == '+') && state == 0) state = 0;
      else state = 2;
    }
    crc = Crc16(crc, (uint8_t)(acc + mc[iter % 10][3] + numbers));
  }
  printf("%lld %u\n", (long long)acc, crc);
  return 0;
}
