"""Case lists as a Qt model that fetches pages from the database as the view scrolls.

The model never loads the whole table: ``fetchMore`` asks the task runner for the
next page and inserts the rows when they arrive. The loader gets both the offset and
the last row shown: a search passes that row to ``queries.list_cases(after=...)``
(keyset paging, as fast 500,000 rows deep as on the first page); a bounded list may
go by the offset. Changing the filter or the sort order starts over; answers that belong
to an older filter are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PyQt6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, pyqtSignal
from PyQt6.QtGui import QBrush, QColor

from app.domain.errors import DomainError
from app.services.queries import CaseSummary
from app.ui.tasks import TaskRunner, describe_unexpected
from app.ui.widgets import intake_due_text, local_time

# loader(offset, limit, sort, descending, after) -> one page of summaries; ``after`` is
# the last row of the pages before (None for the first page), ``offset`` their length.
PageLoader = Callable[[int, int, str, bool, CaseSummary | None], list[CaseSummary]]

WARNING_COLOURS = {
    "yellow": (QColor("#fff4c2"), QColor("#7a5800")),
    "red": (QColor("#fde3e1"), QColor("#a31d1d")),
}


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    sort_key: str = ""  # the store's sortable column, "" = not sortable on the server


COLUMNS = (
    Column("number", "受理编号", "number"),
    Column("matter", "事项名称", "matter_name"),
    Column("applicant", "申请人", "applicant_name"),
    Column("id", "证件号码"),
    Column("category", "办件类型"),
    Column("state", "状态", "state"),
    Column("registered", "登记时间", "registered_at"),
    Column("deadline", "办结期限", "deadline"),
    Column("warning", "预警"),
)
COLUMN_INDEX = {c.key: i for i, c in enumerate(COLUMNS)}


def _cell(summary: CaseSummary, key: str) -> str:
    if key == "number":
        return summary.number
    if key == "matter":
        return summary.matter_name
    if key == "applicant":
        return summary.applicant_name
    if key == "id":
        return summary.applicant_id_masked
    if key == "category":
        return summary.category_label
    if key == "state":
        return summary.state_label
    if key == "registered":
        return local_time(summary.registered_at)
    if key == "deadline":
        if summary.deadline is None:
            return "—"
        return summary.deadline.isoformat() + ("（暂定）" if summary.deadline_provisional else "")
    if key == "warning":
        marks = [summary.warning_label] if summary.warning != "normal" else []
        if summary.tolerance_overdue:
            marks.append("容缺逾期")
        if summary.promise_broken:
            marks.append("承诺不实")
        if summary.acting_for_name:
            marks.append(f"顶岗：代{summary.acting_for_name}")
        return "、".join(marks)
    return ""


class CaseTableModel(QAbstractTableModel):
    """Rows of :class:`CaseSummary`, fetched a page at a time in the background."""

    loadingChanged = pyqtSignal(bool)
    pageLoaded = pyqtSignal(int)  # rows in the model after the page
    loadFailed = pyqtSignal(str)

    def __init__(self, runner: TaskRunner, loader: PageLoader | None = None, *,
                 page_size: int = 100, server_sort: bool = True,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._loader = loader
        self.page_size = page_size
        self._server_sort = server_sort
        self._rows: list[CaseSummary] = []
        self._exhausted = loader is None
        self._loading = False
        self._generation = 0
        self._sort = "registered_at"
        self._descending = True
        self._client_sort: tuple[str, bool] | None = None

    # --- loading ------------------------------------------------------------------

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    def set_loader(self, loader: PageLoader | None) -> None:
        """Start over with a new source (a new filter); loads the first page."""
        self._loader = loader
        self.reload()

    def reload(self) -> None:
        self._generation += 1
        self.beginResetModel()
        self._rows = []
        self._exhausted = self._loader is None
        self._set_loading(False)
        self.endResetModel()
        if self._loader is not None:
            self._fetch_page()

    def summary(self, row: int) -> CaseSummary | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def summaries(self) -> list[CaseSummary]:
        return list(self._rows)

    def canFetchMore(self, parent: QModelIndex = QModelIndex()) -> bool:  # noqa: N802, B008
        if parent.isValid():
            return False
        return not self._exhausted and not self._loading

    def fetchMore(self, parent: QModelIndex = QModelIndex()) -> None:  # noqa: N802, B008
        if parent.isValid() or not self.canFetchMore():
            return
        self._fetch_page()

    def _fetch_page(self) -> None:
        loader = self._loader
        if loader is None:
            return
        generation = self._generation
        offset, limit = len(self._rows), self.page_size
        after = self._rows[-1] if self._rows else None
        sort, descending = self._sort, self._descending
        self._set_loading(True)
        self._runner.run(
            lambda: loader(offset, limit, sort, descending, after),
            on_done=lambda rows: self._on_page(generation, rows),
            on_error=lambda error: self._on_error(generation, error), owner=self)

    def _on_page(self, generation: int, rows: list[CaseSummary]) -> None:
        if generation != self._generation:
            return
        self._set_loading(False)
        if len(rows) < self.page_size:
            self._exhausted = True
        if rows and not self._rows and not self._server_sort and self._client_sort:
            # A bounded list arrives in one page: keep the order the user chose.
            key, descending = self._client_sort
            rows = sorted(rows, key=lambda s: _sort_value(s, key), reverse=descending)
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        self.pageLoaded.emit(len(self._rows))

    def _on_error(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        self._set_loading(False)
        self._exhausted = True
        message = error.message if isinstance(error, DomainError) else describe_unexpected(error)
        self.loadFailed.emit(message)

    def _set_loading(self, loading: bool) -> None:
        if self._loading != loading:
            self._loading = loading
            self.loadingChanged.emit(loading)

    # --- the model ----------------------------------------------------------------

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(COLUMNS[section].title)
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            if self._server_sort and not COLUMNS[section].sort_key:
                return self.tr("此列不能排序")
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        summary = self._rows[index.row()]
        key = COLUMNS[index.column()].key
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell(summary, key)
        if role == Qt.ItemDataRole.UserRole:
            return summary
        level = "red" if key == "warning" and (
            summary.tolerance_overdue or summary.promise_broken) else summary.warning
        if key in ("deadline", "warning") and level in WARNING_COLOURS:
            background, foreground = WARNING_COLOURS[level]
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(background)
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(foreground)
        if role == Qt.ItemDataRole.ToolTipRole and key == "deadline" and summary.deadline:
            tip = self.tr("承诺办结期限：{0}").format(summary.deadline.isoformat())
            if summary.deadline_provisional:
                tip += self.tr("\n该年度节假日安排尚未公布，期限为暂定。")
            return tip
        if (role == Qt.ItemDataRole.ToolTipRole and key in ("deadline", "warning")
                and summary.intake_due is not None):
            return intake_due_text(summary.intake_due, overdue=summary.intake_overdue)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        descending = order == Qt.SortOrder.DescendingOrder
        if not self._server_sort:
            key = COLUMNS[column].key
            self._client_sort = (key, descending)
            self.layoutAboutToBeChanged.emit()
            self._rows.sort(key=lambda s: _sort_value(s, key), reverse=descending)
            self.layoutChanged.emit()
            return
        sort_key = COLUMNS[column].sort_key
        if not sort_key:
            return
        if (sort_key, descending) == (self._sort, self._descending):
            return
        self._sort, self._descending = sort_key, descending
        self.reload()

    @property
    def sort_order(self) -> tuple[str, bool]:
        return self._sort, self._descending


def _sort_value(summary: CaseSummary, key: str) -> Any:
    if key == "deadline":
        return (summary.deadline is None, summary.deadline or summary.registered_at.date())
    if key == "registered":
        return summary.registered_at
    return _cell(summary, key)


def list_loader(rows_source: Callable[[], list[CaseSummary]]) -> PageLoader:
    """A loader for a bounded list (a queue): everything on the first page."""

    def load(offset: int, limit: int, sort: str, descending: bool,
             after: CaseSummary | None) -> list[CaseSummary]:
        if offset:
            return []
        return rows_source()

    return load
