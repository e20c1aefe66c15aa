"""Pure functions (no ORM, no database): the arithmetic kernels each capability calls."""
