"""Web: the base layout, public pages shared by all, error pages and the admin site."""
