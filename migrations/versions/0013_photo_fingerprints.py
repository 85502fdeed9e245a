"""photo fingerprints: order photos keep a pixel digest and a difference hash, so the same
picture re-encoded, resized or with bytes appended is refused like the same file

Revision ID: 0013_photo_fingerprints
Revises: 0010_time_zones

Photos stored earlier get their difference hash from the stored (re-encoded) picture, which is
within a bit or two of the upload's; their pixel digest stays empty (the upload's pixels are gone).
"""
import io

import sqlalchemy as sa
from alembic import op

revision = '0013_photo_fingerprints'
down_revision = '0010_time_zones'
branch_labels = None
depends_on = None

QUARTERS = ('dhash_q1', 'dhash_q2', 'dhash_q3', 'dhash_q4')


def upgrade() -> None:
    with op.batch_alter_table('order_photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pixels_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('dhash', sa.BigInteger(), nullable=True))
        for name in QUARTERS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_order_photos_pixels_sha256'), ['pixels_sha256'])
        for name in QUARTERS:
            batch_op.create_index(batch_op.f(f'ix_order_photos_{name}'), [name], unique=False)
    _hash_stored_photos()


def downgrade() -> None:
    with op.batch_alter_table('order_photos', schema=None) as batch_op:
        for name in QUARTERS:
            batch_op.drop_index(batch_op.f(f'ix_order_photos_{name}'))
        batch_op.drop_constraint(batch_op.f('uq_order_photos_pixels_sha256'), type_='unique')
        for name in reversed(QUARTERS):
            batch_op.drop_column(name)
        batch_op.drop_column('dhash')
        batch_op.drop_column('pixels_sha256')


def _hash_stored_photos(batch: int = 200) -> None:
    """The difference hash of every photo already stored, a batch at a time (photos are large)."""
    # A copy of portal.images.difference_hash as it is today: a migration must not change
    # when the application's code does.
    from PIL import Image

    conn = op.get_bind()
    photos = sa.table('order_photos', sa.column('id', sa.Integer), sa.column('data', sa.LargeBinary),
                      sa.column('dhash', sa.BigInteger), *(sa.column(name, sa.Integer) for name in QUARTERS))
    last = 0
    while True:
        rows = conn.execute(sa.select(photos.c.id, photos.c.data).where(photos.c.id > last)
                            .order_by(photos.c.id).limit(batch)).all()
        if not rows:
            return
        for photo_id, data in rows:
            try:
                dhash = _difference_hash(Image.open(io.BytesIO(data)))
            except Exception:  # noqa: BLE001 - an unreadable old photo simply stays without a hash
                dhash = None
            if dhash is not None:
                unsigned = dhash & ((1 << 64) - 1)
                quarters = [(unsigned >> shift) & 0xFFFF for shift in (48, 32, 16, 0)]
                conn.execute(photos.update().where(photos.c.id == photo_id)
                             .values(dhash=dhash, **dict(zip(QUARTERS, quarters))))
        last = rows[-1][0]


def _difference_hash(img):
    from PIL import Image

    cells = img.convert("L").resize((9, 8), Image.Resampling.LANCZOS).tobytes()
    bits, contrast = 0, 0
    for row in range(8):
        for col in range(8):
            left, right = cells[row * 9 + col], cells[row * 9 + col + 1]
            bits = (bits << 1) | (left > right)
            contrast = max(contrast, abs(left - right))
    if contrast <= 8:
        return None
    return bits - (1 << 64) if bits >= 1 << 63 else bits
