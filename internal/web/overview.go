package web

// overviewRoutes are the routes of this area's pages.
func (w *Web) overviewRoutes() []route {
	return nil
}
