"""The dashboard at `/__mock/ui/`: a page of plain HTML, CSS and JavaScript modules shipped as package data
(`static/`), the live journal stream it reads (`stream`), and the `/__mock/` index (`pages`)."""
