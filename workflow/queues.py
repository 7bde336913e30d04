"""Which work queues (hàng đợi công việc) each role sees on the home page.

A văn thư receives, numbers and seals, and dispatches; leaders assign, approve and
sign; a chuyên viên handles; a lưu trữ viên receives case files. A quản trị has no
queue of their own: their home page leads to the administration instead."""

from collections.abc import Iterable

from directory.models import Role

from .models import Queue

ROLE_QUEUES: dict[str, tuple[str, ...]] = {
    Role.VAN_THU: (Queue.RECEIVE, Queue.NUMBER_SEAL, Queue.DISPATCH),
    Role.LANH_DAO_CO_QUAN: (Queue.ASSIGN, Queue.APPROVE, Queue.SIGN),
    Role.LANH_DAO_DON_VI: (Queue.ASSIGN, Queue.HANDLE, Queue.APPROVE),
    Role.CHUYEN_VIEN: (Queue.HANDLE,),
    Role.LUU_TRU_VIEN: (Queue.ARCHIVE,),
    Role.QUAN_TRI: (),
}


def queues_for_roles(roles: Iterable[str]) -> list[Queue]:
    """The queues a holder of `roles` sees, once each, in the order a document
    moves through them (Queue's declaration order)."""
    wanted = {queue for role in roles for queue in ROLE_QUEUES.get(role, ())}
    return [queue for queue in Queue if queue in wanted]
