/* A fake "termb" ID card reader library for the tests: the same functions the vendors'
 * SDKs export (CVR_InitComm, CVR_Authenticate, CVR_Read_Content, CVR_CloseComm, the
 * GetPeople* getters, GetBMPData), plus Fake_* controls the tests use to put a card on
 * the reader, take it away mid-read, or unplug the reader. Text is GBK, as on a card. */
#include <string.h>

#ifdef _WIN32
#define API __declspec(dllexport) int __stdcall
#define CONTROL __declspec(dllexport) void __stdcall
#else
#define API int
#define CONTROL void
#endif

enum { NO_READER = 0, NO_CARD = 1, CARD = 2, READ_FAILS = 3, REMOVED_MID_READ = 4 };
static int state = CARD;
static int open_port = 0;
static int read_done = 0;
static int getter_calls = 0;
static int close_calls = 0;
static char fields[9][128];
/* A 4x4 24-bit BMP: a real image a viewer can open, as small as a test needs. */
static const unsigned char photo[54 + 4 * 4 * 3] = {
    'B', 'M', 102, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0,
    40, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 1, 0, 24, 0, 0, 0, 0, 0, 48, 0, 0, 0,
    0x13, 0x0b, 0, 0, 0x13, 0x0b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    200, 160, 90, 200, 160, 90, 200, 160, 90, 200, 160, 90,
    200, 160, 90, 150, 150, 150, 150, 150, 150, 200, 160, 90,
    200, 160, 90, 150, 150, 150, 150, 150, 150, 200, 160, 90,
    200, 160, 90, 200, 160, 90, 200, 160, 90, 200, 160, 90,
};

CONTROL Fake_SetState(int new_state) { state = new_state; }
CONTROL Fake_SetField(int index, const char *value) {
    if (index >= 0 && index < 9) { strncpy(fields[index], value, 127); fields[index][127] = 0; }
}
API Fake_OpenPort(void) { return open_port; }
API Fake_CloseCalls(void) { return close_calls; }

API CVR_InitComm(int port) {
    if (state == NO_READER || (port != 1001 && port != 1)) return 2;
    open_port = port; read_done = 0; getter_calls = 0;
    return 1;
}
API CVR_CloseComm(void) { open_port = 0; close_calls++; return 1; }
API CVR_Authenticate(void) { return open_port && state != NO_CARD ? 1 : 2; }
API CVR_Read_Content(int active) {
    if (!open_port || active != 4 || state == READ_FAILS || state == NO_CARD) return 0;
    read_done = 1; return 1;
}

static int give(int index, char *buffer, int *length) {
    size_t size;
    if (!read_done) return 0;
    if (state == REMOVED_MID_READ && ++getter_calls > 3) return 0;
    size = strlen(fields[index]);
    if ((int)size + 1 > *length) return 0;
    memcpy(buffer, fields[index], size + 1);
    *length = (int)size;
    return 1;
}
API GetPeopleName(char *b, int *l) { return give(0, b, l); }
API GetPeopleSex(char *b, int *l) { return give(1, b, l); }
API GetPeopleNation(char *b, int *l) { return give(2, b, l); }
API GetPeopleBirthday(char *b, int *l) { return give(3, b, l); }
API GetPeopleAddress(char *b, int *l) { return give(4, b, l); }
API GetPeopleIDCode(char *b, int *l) { return give(5, b, l); }
API GetDepartment(char *b, int *l) { return give(6, b, l); }
API GetStartDate(char *b, int *l) { return give(7, b, l); }
API GetEndDate(char *b, int *l) { return give(8, b, l); }
API GetBMPData(unsigned char *b, int *l) {
    if (!read_done || *l < (int)sizeof photo) return 0;
    if (state == REMOVED_MID_READ) return 0;
    memcpy(b, photo, sizeof photo); *l = (int)sizeof photo; return 1;
}
