"""一网通办 pages: public catalogue and guide, the 告知单, applying, and the window desk."""
