"""The ID card reader (身份证阅读器): one interface, the "termb" SDK adapter, a simulator.

Most second-generation ID card readers sold to service halls (华视 CVR-100, 精伦, 新中新
and their OEMs) ship the same C interface in ``termb.dll`` (Windows) or
``libtermb.so`` (Linux)::

    int CVR_InitComm(int port);      /* 1 = opened; port 1-16 serial, 1001-1016 USB */
    int CVR_Authenticate(void);      /* 1 = a card is on the reader and answered    */
    int CVR_Read_Content(int active);/* 1 = read; active 4 = text and photo         */
    int CVR_CloseComm(void);
    int GetPeopleName(char *buf, int *len);  /* and GetPeopleSex, GetPeopleNation,
        GetPeopleBirthday, GetPeopleAddress, GetPeopleIDCode, GetDepartment,
        GetStartDate, GetEndDate: GBK text, 1 = ok */
    int GetBMPData(unsigned char *buf, int *len);  /* the photo as a BMP, 1 = ok */

:class:`TermbReader` loads that library with ctypes from the configured path (stdcall
on Windows, cdecl elsewhere), opens the configured port for each read and closes it
after, so a reader unplugged between two applicants is found out at the next read.
Every failure is a :class:`app.devices.DeviceError` with a code the screens can test:
``reader_not_configured``, ``reader_library_missing``, ``reader_not_found``,
``no_card``, ``read_failed``, ``card_removed``.
"""

from __future__ import annotations

import ctypes
import os
import struct
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from app.devices import DeviceError
from app.domain.id_card import IdCard, card_from_fields

DEFAULT_USB_PORT = 1001
# The text fields and the SDK function that returns each.
TERMB_FIELDS = (
    ("name", "GetPeopleName"),
    ("gender", "GetPeopleSex"),
    ("ethnicity", "GetPeopleNation"),
    ("birth_date", "GetPeopleBirthday"),
    ("address", "GetPeopleAddress"),
    ("id_number", "GetPeopleIDCode"),
    ("issuing_authority", "GetDepartment"),
    ("valid_from", "GetStartDate"),
    ("valid_until", "GetEndDate"),
)
READ_TEXT_AND_PHOTO = 4
_TEXT_BUFFER = 256
_PHOTO_BUFFER = 64 * 1024  # a card photo is a 102x126 BMP of about 38 KB


class IdCardReader(Protocol):
    """What the registration asks of any reader."""

    name: str

    def read(self, *, today: date | None = None) -> IdCard:
        """Read the card on the reader now, checked; raise DeviceError or ValidationError."""
        ...


class TermbReader:
    """A reader through the vendor's termb library, loaded from ``library_path``."""

    name = "身份证阅读器"

    def __init__(self, library_path: str, *, port: int = DEFAULT_USB_PORT) -> None:
        self.library_path = library_path
        self.port = port
        self._library: Any = None
        # The SDK keeps the card in global state: one read at a time.
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._library is not None:
            return self._library
        if not self.library_path:
            raise DeviceError("reader_not_configured",
                              "未配置身份证阅读器驱动（设置项 id_card_library），请手工录入。")
        if not Path(self.library_path).is_file():
            raise DeviceError("reader_library_missing",
                              f"找不到身份证阅读器驱动文件 {self.library_path}，请联系管理员安装驱动；"
                              "可先手工录入。")
        loader = ctypes.WinDLL if os.name == "nt" else ctypes.CDLL  # type: ignore[attr-defined]
        try:
            library = loader(self.library_path)
        except OSError as error:
            raise DeviceError("reader_library_missing",
                              f"无法加载身份证阅读器驱动 {self.library_path}：{error}。可先手工录入。"
                              ) from None
        try:
            for function in ("CVR_InitComm", "CVR_Authenticate", "CVR_Read_Content",
                             "CVR_CloseComm"):
                getattr(library, function).restype = ctypes.c_int
            library.CVR_InitComm.argtypes = [ctypes.c_int]
            library.CVR_Read_Content.argtypes = [ctypes.c_int]
            for _field, function in (*TERMB_FIELDS, ("photo", "GetBMPData")):
                getattr(library, function).restype = ctypes.c_int
                getattr(library, function).argtypes = [ctypes.c_char_p,
                                                       ctypes.POINTER(ctypes.c_int)]
        except AttributeError as error:
            raise DeviceError("reader_library_missing",
                              f"身份证阅读器驱动 {self.library_path} 缺少函数（{error}），"
                              "不是受支持的 termb 接口。") from None
        self._library = library
        return library

    def read(self, *, today: date | None = None) -> IdCard:
        """Open the port, find the card, read text and photo, close the port."""
        with self._lock:
            library = self._load()
            if library.CVR_InitComm(self.port) != 1:
                raise DeviceError("reader_not_found",
                                  f"未连接身份证阅读器（端口 {self.port}）：请检查读卡器连线和"
                                  "端口设置；可先手工录入。", port=self.port)
            try:
                if library.CVR_Authenticate() != 1:
                    raise DeviceError("no_card", "读卡器上没有身份证：请将身份证平放在读卡器上再读卡。")
                if library.CVR_Read_Content(READ_TEXT_AND_PHOTO) != 1:
                    raise DeviceError("read_failed",
                                      "读卡失败：请将身份证放稳后重新读卡；仍不成功请手工录入。")
                fields = {field: self._text(library, function)
                          for field, function in TERMB_FIELDS}
                photo = self._photo(library)
            finally:
                library.CVR_CloseComm()
        return card_from_fields(fields, photo=photo, today=today)

    @staticmethod
    def _text(library: Any, function: str) -> str:
        buffer = ctypes.create_string_buffer(_TEXT_BUFFER)
        length = ctypes.c_int(_TEXT_BUFFER)
        if getattr(library, function)(buffer, ctypes.byref(length)) != 1:
            raise DeviceError("card_removed",
                              "读卡中断（身份证被移开）：请将身份证放回读卡器，读卡完成前不要拿开。")
        size = max(0, min(length.value, _TEXT_BUFFER))
        raw = buffer.raw[:size].split(b"\x00", 1)[0]
        return raw.decode("gb18030", errors="replace").strip()

    @staticmethod
    def _photo(library: Any) -> bytes:
        buffer = ctypes.create_string_buffer(_PHOTO_BUFFER)
        length = ctypes.c_int(_PHOTO_BUFFER)
        if library.GetBMPData(buffer, ctypes.byref(length)) != 1:
            raise DeviceError("card_removed",
                              "读卡中断（身份证被移开）：请将身份证放回读卡器，读卡完成前不要拿开。")
        photo = buffer.raw[:max(0, min(length.value, _PHOTO_BUFFER))]
        if not photo.startswith(b"BM"):
            raise DeviceError("read_failed", "读卡所得照片不完整，请重新读卡。")
        return photo


@dataclass
class SimulatedReader:
    """A reader for demonstrations and training: always the same specimen card."""

    name: str = "身份证阅读器（模拟）"
    fields: dict[str, str] | None = None

    def read(self, *, today: date | None = None) -> IdCard:
        fields = self.fields or {
            "name": "张三", "gender": "女", "ethnicity": "汉", "birth_date": "19491231",
            "address": "北京市朝阳区建国路1号", "id_number": "11010519491231002X",
            "issuing_authority": "北京市公安局朝阳分局", "valid_from": "20150301",
            "valid_until": "长期",
        }
        return card_from_fields(fields, photo=specimen_photo(), today=today)


def specimen_photo(width: int = 102, height: int = 126) -> bytes:
    """A plain 24-bit BMP the size of a card photo: a grey head on the card's blue."""
    row_bytes = (width * 3 + 3) & ~3
    rows = []
    for y in range(height):
        row = bytearray()
        for x in range(width):
            inside = (x - width / 2) ** 2 / 30 ** 2 + (y - height * 0.55) ** 2 / 40 ** 2 < 1
            row += bytes((150, 150, 150)) if inside else bytes((235, 200, 120))  # BGR
        rows.append(bytes(row) + b"\x00" * (row_bytes - width * 3))
    pixels = b"".join(rows)
    header = struct.pack("<2sIHHI", b"BM", 54 + len(pixels), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 3780, 3780,
                       0, 0)
    return header + info + pixels


def make_reader(kind: str, *, library_path: str = "", port: int = DEFAULT_USB_PORT
                ) -> IdCardReader | None:
    """The reader the settings name: ``termb``, ``simulator``, or none ("")."""
    if kind == "termb":
        return TermbReader(library_path, port=port)
    if kind == "simulator":
        return SimulatedReader()
    return None
