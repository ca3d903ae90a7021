"""Session bookings: workshops, places and the waiting list, attendance, calendars, reminders and the API."""
