"""Type stub of the C extension built from _kernel.c (see _assignment.py)."""

import numpy as np
import numpy.typing as npt

def solve(
    n: int,
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int32],
    cost: npt.NDArray[np.int64],
    col_of_row: npt.NDArray[np.int32],
    u: npt.NDArray[np.int64],
    v: npt.NDArray[np.int64],
    /,
) -> bool: ...
