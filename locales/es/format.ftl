# Cómo se escriben fechas y números (src/i18n/format.rs).
format-date = { $day } de { $month } de { $year }
format-month-year = { $month } de { $year }
format-date-weekday = { $weekday }, { $date }
format-datetime = { $date }, { $time } { $zone }
format-decimal-sign = ,
# Los miles se agrupan con este signo; una cantidad de dinero: dólares estadounidenses, y otra
# moneda por su código ISO (src/i18n/format.rs `money`).
format-group-sign = .
format-money-usd = { $sign }{ $amount } US$
format-money-other = { $sign }{ $amount } { $currency }
month-1 = enero
month-2 = febrero
month-3 = marzo
month-4 = abril
month-5 = mayo
month-6 = junio
month-7 = julio
month-8 = agosto
month-9 = septiembre
month-10 = octubre
month-11 = noviembre
month-12 = diciembre
weekday-1 = lunes
weekday-2 = martes
weekday-3 = miércoles
weekday-4 = jueves
weekday-5 = viernes
weekday-6 = sábado
weekday-7 = domingo
