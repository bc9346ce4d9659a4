package web

// workRoutes are the routes of this area's pages.
func (w *Web) workRoutes() []route {
	return nil
}
