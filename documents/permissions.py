"""Permission codenames of documents (django-guardian object permissions) and who
gets them.

A document is granted to role groups of its organisation (directory.permissions
role_group_name) and to individual people; secrecy (documents.constants.Secrecy)
then restricts further by each person's clearance."""

from directory.models import Role

VIEW_DOCUMENT = "documents.view_document"
CHANGE_DOCUMENT = "documents.change_document"
VIEW_DOCUMENT_CODENAME = "view_document"
CHANGE_DOCUMENT_CODENAME = "change_document"

# Roles that see every registered incoming document of their organisation.
INCOMING_READERS = (Role.VAN_THU, Role.LANH_DAO_CO_QUAN, Role.LUU_TRU_VIEN)
# Roles that keep (văn thư) and read (leaders, archivists) the registers.
REGISTER_READERS = INCOMING_READERS
# Roles that may register incoming documents and number outgoing ones.
REGISTRARS = (Role.VAN_THU,)
# Roles that see every draft of their organisation (to comment and approve).
DRAFT_READERS = (Role.LANH_DAO_CO_QUAN, Role.LANH_DAO_DON_VI, Role.VAN_THU)
# Roles that may write drafts.
DRAFTERS = (
    Role.CHUYEN_VIEN,
    Role.LANH_DAO_DON_VI,
    Role.LANH_DAO_CO_QUAN,
    Role.VAN_THU,
)
