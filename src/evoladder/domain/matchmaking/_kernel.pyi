"""Type stub of the C extension built from _kernel.c (see _assignment.py)."""

import numpy as np
import numpy.typing as npt

def solve(
    n: int,
    rows: npt.NDArray[np.int64],
    cols: npt.NDArray[np.int64],
    cost: npt.NDArray[np.int64],
    col_of_row: npt.NDArray[np.int32],
    u: npt.NDArray[np.int64],
    v: npt.NDArray[np.int64],
    max_scans: int,
    /,
) -> int: ...
def paths(
    n: int,
    b: npt.NDArray[np.int64],
    s: npt.NDArray[np.int64],
    reduced: npt.NDArray[np.int64],
    has_bw: npt.NDArray[np.uint8],
    has_sc: npt.NDArray[np.uint8],
    sources: npt.NDArray[np.uint8],
    mate: npt.NDArray[np.int32],
    mate_reduced: npt.NDArray[np.int64],
    dist: npt.NDArray[np.int64],
    prev: npt.NDArray[np.int32],
    /,
) -> None: ...
