"""Everything a user takes away: briefings, meeting minutes, page images, the chart registry
shared by pages, PNGs and the PDF, and the export job queue."""
