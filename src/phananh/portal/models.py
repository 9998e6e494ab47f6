from django.db import models

# The map's grid sizes, in thousandths of a degree: one for each zoom level (a cell about
# 80 px across, `selectors.cell_thousandths`), the finest being one rounded place (0.001°).
GRID_LEVELS = (1, 2, 3, 7, 14, 27, 55, 110, 220, 439, 879, 1758, 3516, 7031, 14062, 28125, 56250, 112500)


class MapCell(models.Model):
    """Published reports counted in one cell of the map's grid, for one field and one status.

    Kept by database triggers (migration 0001) in the same transaction as every write to a
    report, whoever writes it (the transition service, the data generator, a bulk load): a
    report counts in one cell of each level while it is published. A cell is the rounded places
    (0.001°) whose thousandths of a degree, counted from 90° S and 180° W, divide by `level` to
    (`cell_y`, `cell_x`). The sums give a cluster's mean place and, when it holds one report, that
    report's id. Rows are never deleted: a cell whose reports all left keeps a count of 0.
    """

    level = models.PositiveIntegerField()
    cell_y = models.BigIntegerField()
    cell_x = models.BigIntegerField()
    # The report's field; 0 for none. A plain number: the triggers write it, and a field is never deleted.
    category_id = models.BigIntegerField()
    status = models.CharField(max_length=30)
    reports = models.IntegerField(default=0)
    # Sums of the reports' places in millionths of a degree (exact), and of their ids.
    latitude_sum = models.BigIntegerField(default=0)
    longitude_sum = models.BigIntegerField(default=0)
    id_sum = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["level", "cell_y", "cell_x", "category_id", "status"], name="map_cell_once"
            )
        ]
        # Rows of cells by latitude come from the constraint's index; columns by longitude here.
        indexes = [models.Index(fields=["level", "cell_x", "cell_y"], name="map_cell_by_column")]

    def __str__(self):
        return f"{self.level}/{self.cell_y}/{self.cell_x}: {self.reports}"
