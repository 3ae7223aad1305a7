"""Downloads for the doctor (filled in by the export issue)."""

from fastapi import APIRouter

router = APIRouter(tags=["export"])
