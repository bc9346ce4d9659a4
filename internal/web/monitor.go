package web

// monitorRoutes are the routes of this area's pages.
func (w *Web) monitorRoutes() []route {
	return nil
}
